"""The comparison table: mean ± std over seeds per variant, as plain cells (rich and HTML)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from fedprune.compare.stats import variant_stats
from fedprune.report.table import Table
from fedprune.units import fmt_bytes

if TYPE_CHECKING:
    from fedprune.compare.runner import CompareResult

Fmt = Callable[[float], str]

__all__ = ["compare_table"]


def _pm(stat: dict[str, float] | None, fmt: Fmt) -> str:
    if stat is None:
        return "—"
    return f"{fmt(stat['mean'])} ± {fmt(stat['std'])}"


def _num(spec: str) -> Fmt:
    return lambda x: format(x, spec)


def _seconds(x: float) -> str:
    return f"{x:.1f} s"


def compare_table(result: CompareResult) -> Table:
    """One row per variant: final accuracy, bytes, bytes and time to target (with a target),
    sparsity, MACs, ε (where recorded)."""
    plan = result.plan
    target = plan.target
    header = ["variant", "runs", "final accuracy", "bytes (up + down)"]
    if target is not None:
        header += [f"bytes to {target:g}", f"time to {target:g}"]
    stats = {
        v.name: variant_stats([r.figures for r in result.variant_runs(v.name)])
        for v in plan.variants
    }
    private = any(s["epsilon"] is not None for s in stats.values())
    header += ["sparsity", "MACs", *(["ε"] if private else [])]
    rows = []
    for v in plan.variants:
        runs, s = result.variant_runs(v.name), stats[v.name]
        row = [
            v.name,
            str(len(runs)),
            _pm(s["final_accuracy"], _num(".4f")),
            _pm(s["bytes_total"], fmt_bytes),
        ]
        if target is not None:
            if s["reached_target"] == 0:
                row += ["not reached", "not reached"]
            else:
                share = (
                    f" ({s['reached_target']}/{len(runs)})"
                    if s["reached_target"] < len(runs)
                    else ""
                )
                row += [
                    _pm(s["bytes_to_target"], fmt_bytes) + share,
                    _pm(s["seconds_to_target"], _seconds) + share,
                ]
        row += [
            _pm(s["sparsity"], _num(".4f")),
            _pm(s["macs"], _num(",.0f")),
        ]
        if private:
            row.append(_pm(s["epsilon"], _num(".3g")))
        rows.append(row)
    seeds = ", ".join(str(s) for s in plan.seeds)
    return Table(caption=f"Mean ± std over seeds {seeds}", header=header, rows=rows)
