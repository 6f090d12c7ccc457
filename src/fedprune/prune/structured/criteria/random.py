"""Uniform random channel scores: the baseline every criterion must beat."""

from __future__ import annotations

import torch
import torch_pruning as tp
from torch import Tensor

from fedprune.prune.criteria.base import Need
from fedprune.prune.structured.criteria.base import CHANNEL_CRITERIA, ChannelCriterion


@CHANNEL_CRITERIA.register("random")
class Random(ChannelCriterion):
    """Scores drawn uniformly from [0, 1) with the caller's seeded generator."""

    needs = Need.GENERATOR

    def __call__(self, group: tp.dependency.Group, *, generator: torch.Generator) -> Tensor | None:
        return torch.rand(len(group[0].idxs), generator=generator)
