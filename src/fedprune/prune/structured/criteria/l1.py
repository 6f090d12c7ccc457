"""Group L1 norm of the weights that produce and consume each channel."""

from __future__ import annotations

import torch
import torch_pruning as tp
from torch import Tensor, nn

from fedprune.prune.structured.criteria.base import CHANNEL_CRITERIA, ChannelCriterion


@CHANNEL_CRITERIA.register("l1")
class L1(ChannelCriterion):
    """Sum of ``|w|`` over each channel's weights in every coupled conv/linear layer: the rows
    that produce it and the columns that consume it (Li et al. 2017,
    https://arxiv.org/abs/1608.08710, summed over the group as in Fang et al. 2023,
    https://arxiv.org/abs/2301.12900)."""

    _importance = tp.importance.GroupMagnitudeImportance(
        p=1,
        group_reduction="sum",
        normalizer=None,
        target_types=[nn.modules.conv._ConvNd, nn.Linear],
    )

    def __call__(self, group: tp.dependency.Group, *, generator: torch.Generator) -> Tensor | None:
        return self._importance(group)
