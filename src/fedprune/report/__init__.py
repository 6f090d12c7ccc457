"""Reports over run directories: load runs, draw plots, one self-contained HTML page."""

from fedprune.report.build import write_report
from fedprune.report.load import ReportError, RunData, load_run, load_runs, unique_labels
from fedprune.report.table import Table, run_table
from fedprune.report.tensorboard import write_tensorboard

__all__ = [
    "ReportError",
    "RunData",
    "Table",
    "load_run",
    "load_runs",
    "run_table",
    "unique_labels",
    "write_report",
    "write_tensorboard",
]
