"""Heatmaps of the global keep-masks: the last snapshot, and how the masks evolved.

Each panel is one prunable tensor as ``grid.density_grid`` draws it (rows = output units; a
cell is the kept fraction of the entries it covers). One run stands for each group: its first.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from fedprune.report.figure import groups, new_figure
from fedprune.report.grid import density_grid
from fedprune.report.load import RunData

__all__ = ["MAX_LAYERS", "MAX_SNAPSHOTS", "final_masks", "mask_evolution", "pick_snapshots"]

MAX_LAYERS = 12  # panels per row
MAX_SNAPSHOTS = 6  # rows of the evolution figure per group
MAX_GROUPS = 4
_PANEL = 1.7  # inches


def _representatives(runs: Sequence[RunData]) -> list[RunData]:
    firsts = [next((r for r in m if r.snapshots), None) for m in groups(runs).values()]
    return [r for r in firsts if r is not None][:MAX_GROUPS]


def pick_snapshots(rounds: Sequence[int], *, limit: int = MAX_SNAPSHOTS) -> list[int]:
    """At most ``limit`` of the saved rounds, evenly spread, always the first and the last."""
    ordered = sorted(rounds)
    if len(ordered) <= limit:
        return ordered
    picks = np.linspace(0, len(ordered) - 1, limit).round().astype(int)
    return [ordered[i] for i in dict.fromkeys(picks.tolist())]


def _draw(fig: Figure, rows: list[tuple[str, dict[str, np.ndarray]]]) -> Figure:
    layers = list(dict.fromkeys(n for _, masks in rows for n in masks))[:MAX_LAYERS]
    axes = fig.subplots(len(rows), len(layers), squeeze=False)
    image = None
    for (title, masks), line in zip(rows, axes, strict=True):
        for ax, name in zip(line, layers, strict=True):
            ax.set_xticks([])
            ax.set_yticks([])
            if name not in masks:
                ax.set_axis_off()
                continue
            mask = masks[name]
            image = ax.imshow(
                density_grid(mask),
                vmin=0,
                vmax=1,
                cmap="viridis",
                aspect="auto",
                interpolation="nearest",
            )
            pruned = 1.0 - float(mask.mean()) if mask.size else 0.0
            shape = "x".join(str(d) for d in mask.shape)
            ax.set_title(f"{name}\n{shape}, {pruned:.0%} pruned", fontsize=7)
        line[0].set_ylabel(title, fontsize=8)
    if image is not None:
        fig.colorbar(image, ax=axes, shrink=0.8, label="kept fraction")
    return fig


def _size(rows: int, runs: Sequence[RunData]) -> tuple[float, float]:
    layers = max(len(s) for r in runs for s in r.snapshots.values())
    return (_PANEL * min(layers, MAX_LAYERS) + 1.5, _PANEL * rows + 0.5)


def final_masks(runs: Sequence[RunData]) -> Figure | None:
    """The last saved masks of each group's first run, one row per run."""
    chosen = _representatives(runs)
    if not chosen:
        return None
    rows = [(f"{r.group}\nround {max(r.snapshots)}", r.snapshots[max(r.snapshots)]) for r in chosen]
    width, height = _size(len(rows), chosen)
    return _draw(new_figure(width=width, height=height), rows)


def mask_evolution(runs: Sequence[RunData]) -> Figure | None:
    """Saved masks over the rounds (``pick_snapshots``), each group's first run in turn."""
    chosen = _representatives(runs)
    rows = [
        (f"{r.group}\nround {k}", r.snapshots[k])
        for r in chosen
        for k in pick_snapshots(list(r.snapshots))
    ]
    if len(rows) <= len(chosen):  # one snapshot per run: nothing evolves
        return None
    width, height = _size(len(rows), chosen)
    return _draw(new_figure(width=width, height=height), rows)
