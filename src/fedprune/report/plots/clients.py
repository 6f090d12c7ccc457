"""Per-client figures: bytes each client sent and received, sparsity of what it uploaded."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from fedprune.report.figure import group_colours, groups, new_figure
from fedprune.report.load import RunData

__all__ = ["client_bytes_and_sparsity", "per_client"]


def per_client(run: RunData, key: str, *, reduce: str = "sum") -> dict[int, float]:
    """``{client: value}`` of a per-round ``{cid: value}`` column, summed or averaged over the
    rounds the client appears in."""
    seen: dict[int, list[float]] = {}
    for row in run.rounds:
        for cid, value in (row.get(key) or {}).items():
            seen.setdefault(int(cid), []).append(float(value))
    op = np.sum if reduce == "sum" else np.mean
    return {cid: float(op(values)) for cid, values in sorted(seen.items())}


def _bars(ax: Axes, runs: Sequence[RunData], values: dict[str, dict[int, float]]) -> None:
    colours = group_colours(runs)
    clients = sorted({c for v in values.values() for c in v})
    x = np.arange(len(clients))
    width = 0.8 / max(len(values), 1)
    for i, (group, table) in enumerate(values.items()):
        heights = [table.get(c, np.nan) for c in clients]
        ax.bar(
            x + (i - (len(values) - 1) / 2) * width,
            heights,
            width,
            label=group,
            color=colours[group],
        )
    step = max(1, len(clients) // 25)
    ax.set_xticks(x[::step], [str(c) for c in clients[::step]], fontsize="small")
    ax.set_xlabel("client")
    ax.grid(alpha=0.3, axis="y")
    ax.legend(fontsize="small")


def _group_mean(members: Sequence[RunData], key: str, reduce: str) -> dict[int, float]:
    tables = [per_client(r, key, reduce=reduce) for r in members]
    clients = sorted({c for t in tables for c in t})
    return {c: float(np.mean([t[c] for t in tables if c in t])) for c in clients}


def client_bytes_and_sparsity(runs: Sequence[RunData]) -> Figure | None:
    """Top: bytes per client over the run (up + down); bottom: mean sparsity of its uploads.
    One bar per group (mean over its runs)."""
    by_group = groups(runs)
    sent = {
        g: {
            c: up + _group_mean(m, "client_bytes_down", "sum").get(c, 0.0)
            for c, up in _group_mean(m, "client_bytes_up", "sum").items()
        }
        for g, m in by_group.items()
    }
    sparsity = {g: _group_mean(m, "client_sparsity", "mean") for g, m in by_group.items()}
    if not any(sent.values()) and not any(sparsity.values()):
        return None
    fig = new_figure(width=9.0, height=6.5)
    top, bottom = fig.subplots(2, 1)
    _bars(top, runs, sent)
    top.set_ylabel("bytes up + down")
    _bars(bottom, runs, sparsity)
    bottom.set(ylabel="upload sparsity (mean)", ylim=(0, 1))
    return fig
