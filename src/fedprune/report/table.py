"""Tables of the report: one row per run from its summary and last round."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fedprune.report.load import RunData
from fedprune.units import fmt_bytes

__all__ = ["Table", "run_table"]


@dataclass(frozen=True)
class Table:
    """A plain table of already formatted cells."""

    caption: str
    header: list[str]
    rows: list[list[str]]


def _num(value: Any, spec: str) -> str:
    return "—" if value is None else format(value, spec)


def run_table(runs: Sequence[RunData]) -> Table:
    """Final figures of each run: accuracy, sparsity, bytes, MACs, and ε where recorded."""
    private = any(r.rounds[-1].get("epsilon") is not None for r in runs)
    header = ["run", "rounds", "final accuracy", "best accuracy", "sparsity"]
    header += ["bytes (up + down)", "MACs", "model compression", *(["ε"] if private else [])]
    rows = []
    for run in runs:
        s, last = run.summary, run.rounds[-1]
        row = [
            run.label,
            str(s.get("rounds", len(run.rounds))),
            _num(s.get("final_accuracy", last["accuracy"]), ".4f"),
            _num(s.get("best_accuracy"), ".4f"),
            _num(s.get("global_sparsity", last.get("sparsity")), ".4f"),
            fmt_bytes(s.get("bytes_total", run.cumulative_bytes()[-1])),
            _num(s.get("macs", last.get("macs")), ",.0f"),
            _num(s.get("compression_ratio"), ".2f"),
        ]
        rows.append(row + ([_num(last.get("epsilon"), ".3g")] if private else []))
    return Table(caption="Runs", header=header, rows=rows)
