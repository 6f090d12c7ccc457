"""Test accuracy against rounds and against the bytes sent to reach it."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from fedprune.report.figure import new_figure, styles
from fedprune.report.load import RunData

__all__ = ["accuracy_vs_bytes", "accuracy_vs_round"]


def _marker(run: RunData) -> str | None:
    return "o" if len(run.rounds) <= 30 else None


def accuracy_vs_round(runs: Sequence[RunData]) -> Figure:
    """Test accuracy of the global model after each round, one curve per run."""
    fig = new_figure()
    ax = fig.add_subplot()
    for run, style in zip(runs, styles(runs), strict=True):
        rounds = [r["round"] for r in run.rounds]
        accuracy = [r["accuracy"] for r in run.rounds]
        ax.plot(rounds, accuracy, color=style.color, label=style.label, marker=_marker(run))
    ax.set(xlabel="round", ylabel="test accuracy")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    return fig


def accuracy_vs_bytes(runs: Sequence[RunData]) -> Figure:
    """Test accuracy against cumulative bytes sent up and down (log scale)."""
    fig = new_figure()
    ax = fig.add_subplot()
    for run, style in zip(runs, styles(runs), strict=True):
        accuracy = [r["accuracy"] for r in run.rounds]
        ax.plot(
            run.cumulative_bytes(),
            accuracy,
            color=style.color,
            label=style.label,
            marker=_marker(run),
        )
    ax.set_xscale("log")
    ax.set(xlabel="cumulative bytes (up + down)", ylabel="test accuracy")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize="small")
    return fig
