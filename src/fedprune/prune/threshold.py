"""Threshold pruning: prune every entry whose score is at or below a fixed value."""

from __future__ import annotations

from collections.abc import Mapping

from torch import Tensor

from fedprune.prune.base import PRUNERS, Masks, Pruner


@PRUNERS.register("threshold")
class ThresholdPruner(Pruner):
    """Keep entries with ``score > threshold``; the resulting rate follows from the weights.

    ``target`` is ignored: the threshold, not a rate, decides (the rule of Han et al. 2015).
    """

    def __init__(self, *, threshold: float) -> None:
        if threshold < 0:
            raise ValueError(f"pruning.threshold must be >= 0, got {threshold}")
        self.threshold = threshold

    def compute_masks(
        self, *, scores: Mapping[str, Tensor], masks: Mapping[str, Tensor], target: float
    ) -> Masks:
        return {n: masks[n] & (s.detach().abs() > self.threshold) for n, s in scores.items()}
