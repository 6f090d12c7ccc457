"""Per-layer sparsity of the global masks: at the end of each run and over the rounds."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from fedprune.report.figure import group_colours, groups, new_figure
from fedprune.report.load import RunData

__all__ = ["final_layer_sparsity", "layer_sparsity_over_rounds"]


def _final(run: RunData) -> dict[str, float]:
    return run.summary.get("layer_sparsity") or run.rounds[-1].get("layer_sparsity") or {}


def _layers(tables: Sequence[dict[str, float]]) -> list[str]:
    return list(dict.fromkeys(name for t in tables for name in t))


def final_layer_sparsity(runs: Sequence[RunData]) -> Figure | None:
    """Bars of each layer's final sparsity, one bar per group (mean over its runs)."""
    layers = _layers([_final(r) for r in runs])
    if not layers:
        return None
    by_group, colours = groups(runs), group_colours(runs)
    fig = new_figure(width=max(7.0, 0.6 * len(layers) * max(1, len(by_group) / 2)), height=4.5)
    ax = fig.add_subplot()
    width = 0.8 / len(by_group)
    x = np.arange(len(layers))
    for i, (group, members) in enumerate(by_group.items()):
        values = [np.mean([_final(r).get(n, np.nan) for r in members]) for n in layers]
        ax.bar(
            x + (i - (len(by_group) - 1) / 2) * width,
            values,
            width,
            label=group,
            color=colours[group],
        )
    ax.set_xticks(x, layers, rotation=45, ha="right", fontsize="small")
    ax.set(ylabel="sparsity (pruned fraction)", ylim=(0, 1))
    ax.grid(alpha=0.3, axis="y")
    ax.legend(fontsize="small")
    return fig


def layer_sparsity_over_rounds(runs: Sequence[RunData]) -> Figure | None:
    """Each layer's sparsity after every round, one panel per group (mean over its runs)."""
    by_group = {
        g: m
        for g, m in groups(runs).items()
        if any("layer_sparsity" in r for x in m for r in x.rounds)
    }
    if not by_group:
        return None
    fig = new_figure(width=7.0, height=3.0 * len(by_group))
    axes = fig.subplots(len(by_group), 1, sharex=True, squeeze=False)[:, 0]
    for ax, (group, members) in zip(axes, by_group.items(), strict=True):
        rows = [r for run in members for r in run.rounds if "layer_sparsity" in r]
        rounds = sorted({r["round"] for r in rows})
        for name in _layers([r["layer_sparsity"] for r in rows]):
            mean = [
                np.mean([r["layer_sparsity"].get(name, np.nan) for r in rows if r["round"] == k])
                for k in rounds
            ]
            ax.plot(rounds, mean, label=name)
        ax.set(title=group, ylabel="sparsity", ylim=(-0.02, 1.02))
        ax.grid(alpha=0.3)
        ax.legend(fontsize="x-small", ncol=2)
    axes[-1].set_xlabel("round")
    axes[-1].xaxis.set_major_locator(MaxNLocator(integer=True))
    return fig
