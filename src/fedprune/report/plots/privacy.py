"""The privacy budget ε spent after each round, where the run accounts for it."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from fedprune.report.figure import new_figure, styles
from fedprune.report.load import RunData

__all__ = ["epsilon_over_rounds"]


def epsilon_over_rounds(runs: Sequence[RunData]) -> Figure | None:
    """ε after each round, one curve per run that records it; ``None`` when none does."""
    drawn = [
        (run, style)
        for run, style in zip(runs, styles(runs), strict=True)
        if any(r.get("epsilon") is not None for r in run.rounds)
    ]
    if not drawn:
        return None
    fig = new_figure()
    ax = fig.add_subplot()
    for run, style in drawn:
        points = [(r["round"], r["epsilon"]) for r in run.rounds if r.get("epsilon") is not None]
        ax.plot(*zip(*points, strict=True), color=style.color, label=style.label, marker="o")
    ax.set(xlabel="round", ylabel="ε (privacy budget spent)")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    return fig
