"""First-order Taylor estimate of the loss change when a channel is removed."""

from __future__ import annotations

import torch
import torch_pruning as tp
from torch import Tensor, nn

from fedprune.prune.criteria.base import Need
from fedprune.prune.structured.criteria.base import CHANNEL_CRITERIA, ChannelCriterion


@CHANNEL_CRITERIA.register("taylor")
class Taylor(ChannelCriterion):
    """``|sum of w * g over the channel's weights|`` per coupled conv/linear layer, summed over
    the group (Molchanov et al. 2019, https://arxiv.org/abs/1906.10771): the first-order loss
    change when the whole channel is zeroed. ``g`` sits in each weight's ``.grad``."""

    needs = Need.TRAIN_GRADIENTS
    _importance = tp.importance.GroupTaylorImportance(
        group_reduction="sum",
        normalizer=None,
        multivariable=True,
        target_types=[nn.modules.conv._ConvNd, nn.Linear],
    )

    def __call__(self, group: tp.dependency.Group, *, generator: torch.Generator) -> Tensor | None:
        return self._importance(group)
