"""Threshold search: grids of settings, k-fold cross-validation on client data, selection."""

from fedprune.search.crossval import FoldResult, SweepSetupError, cross_validate, fold_configs
from fedprune.search.grid import DENSE, GridError, GridPoint, parse_grid
from fedprune.search.selection import fold_stats, select, within_tolerance
from fedprune.search.sweep import (
    PointResult,
    SweepPlan,
    SweepResult,
    plan_sweep,
    run_sweep,
    write_sweep,
)

__all__ = [
    "DENSE",
    "FoldResult",
    "GridError",
    "GridPoint",
    "PointResult",
    "SweepPlan",
    "SweepResult",
    "SweepSetupError",
    "cross_validate",
    "fold_configs",
    "fold_stats",
    "parse_grid",
    "plan_sweep",
    "run_sweep",
    "select",
    "within_tolerance",
    "write_sweep",
]
