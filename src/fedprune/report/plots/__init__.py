"""The report's plots, in the order the page shows them: one small module per kind of figure."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from matplotlib.figure import Figure

from fedprune.report.load import RunData
from fedprune.report.plots.accuracy import accuracy_vs_bytes, accuracy_vs_round
from fedprune.report.plots.clients import client_bytes_and_sparsity
from fedprune.report.plots.heatmaps import final_masks, mask_evolution
from fedprune.report.plots.privacy import epsilon_over_rounds
from fedprune.report.plots.sparsity import final_layer_sparsity, layer_sparsity_over_rounds

__all__ = ["PLOTS", "Plot"]


@dataclass(frozen=True)
class Plot:
    """A figure of the report: ``draw`` returns ``None`` when the runs hold no data for it."""

    name: str
    title: str
    draw: Callable[[Sequence[RunData]], Figure | None]


PLOTS: tuple[Plot, ...] = (
    Plot("accuracy-round", "Accuracy vs round", accuracy_vs_round),
    Plot("accuracy-bytes", "Accuracy vs cumulative bytes (up + down)", accuracy_vs_bytes),
    Plot("layer-sparsity", "Per-layer sparsity (final)", final_layer_sparsity),
    Plot("layer-sparsity-rounds", "Per-layer sparsity over rounds", layer_sparsity_over_rounds),
    Plot("masks-final", "Mask heatmaps (final)", final_masks),
    Plot("masks-evolution", "Mask heatmaps over rounds", mask_evolution),
    Plot("clients", "Per-client bytes and upload sparsity", client_bytes_and_sparsity),
    Plot("epsilon", "Privacy budget ε over rounds", epsilon_over_rounds),
)
