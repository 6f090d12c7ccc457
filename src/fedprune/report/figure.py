"""What every plot shares: Agg figures, PNG bytes, one colour per group of runs."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from fedprune.report.load import RunData

__all__ = ["Style", "group_colours", "groups", "new_figure", "png_bytes", "styles"]

_PALETTE = [f"C{i}" for i in range(10)]
DPI = 100


def new_figure(*, width: float = 7.0, height: float = 4.0) -> Figure:
    """A figure drawn by the Agg canvas: no pyplot, no display, no global backend state."""
    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def png_bytes(fig: Figure) -> bytes:
    """The figure encoded as PNG."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def groups(runs: Sequence[RunData]) -> dict[str, list[RunData]]:
    """Runs by group, groups in order of first appearance."""
    out: dict[str, list[RunData]] = {}
    for run in runs:
        out.setdefault(run.group, []).append(run)
    return out


@dataclass(frozen=True)
class Style:
    """How one run's curve is drawn; ``label`` is ``None`` for the second run of a group on."""

    color: str
    label: str | None


def styles(runs: Sequence[RunData]) -> list[Style]:
    """One colour per group; a group of several runs gets one legend entry, ``group (n runs)``."""
    by_group = groups(runs)
    colour = group_colours(runs)
    seen: set[str] = set()
    out = []
    for run in runs:
        members = len(by_group[run.group])
        if run.group in seen:
            label = None
        elif members > 1:
            label = f"{run.group} ({members} runs)"
        else:
            label = run.label
        seen.add(run.group)
        out.append(Style(color=colour[run.group], label=label))
    return out


def group_colours(runs: Sequence[RunData]) -> dict[str, str]:
    """The colour of each group, as ``styles`` draws it."""
    return {g: _PALETTE[i % len(_PALETTE)] for i, g in enumerate(groups(runs))}
