"""Per-run figures of a comparison and their mean ± standard deviation over seeds."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any

import numpy as np

from fedprune.compare.target import reach_target

__all__ = ["METRICS", "mean_std", "run_figures", "variant_stats"]

# Figures averaged over seeds, in table order.
METRICS = ("final_accuracy", "bytes_total", "sparsity", "macs", "epsilon")


def mean_std(values: Sequence[float]) -> dict[str, float] | None:
    """Mean and population (``ddof=0``, as ``fedprune sweep``) standard deviation; ``None`` for
    no values."""
    if not values:
        return None
    a = np.asarray(values, dtype=np.float64)
    return {"mean": float(a.mean()), "std": float(a.std())}


def run_figures(
    *, summary: Mapping[str, Any], rows: Sequence[Mapping[str, Any]], target: float | None
) -> dict[str, Any]:
    """One run's figures, from its ``summary.json`` and ``rounds.jsonl``."""
    reach = reach_target(rows, target=target) if target is not None else None
    return {
        "final_accuracy": summary["final_accuracy"],
        "bytes_total": summary["bytes_total"],
        "bytes_up_total": summary["bytes_up_total"],
        "bytes_down_total": summary["bytes_down_total"],
        "sparsity": summary["global_sparsity"],
        "macs": summary["macs"],
        "epsilon": rows[-1].get("epsilon") if rows else None,
        "target": asdict(reach) if reach is not None else None,
    }


def variant_stats(runs: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Mean ± std of each of ``METRICS`` over a variant's runs (``None`` where no run has it);
    bytes and seconds to target over the runs that reached it, and how many did."""
    out: dict[str, Any] = {
        k: mean_std([r[k] for r in runs if r.get(k) is not None]) for k in METRICS
    }
    reached = [r["target"] for r in runs if r.get("target") is not None]
    out["reached_target"] = len(reached)
    out["bytes_to_target"] = mean_std([t["bytes"] for t in reached])
    out["seconds_to_target"] = mean_std([t["seconds"] for t in reached])
    return out
