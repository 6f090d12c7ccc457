"""Network slimming: the BatchNorm scale of each channel."""

from __future__ import annotations

import torch
import torch_pruning as tp
from torch import Tensor

from fedprune.prune.structured.criteria.base import CHANNEL_CRITERIA, ChannelCriterion


@CHANNEL_CRITERIA.register("bn_scale")
class BNScale(ChannelCriterion):
    """``|gamma|`` of the channel's BatchNorm, summed when a residual sum couples several (Liu
    et al. 2017, https://arxiv.org/abs/1708.06519). A group without BatchNorm has no score."""

    _importance = tp.importance.BNScaleImportance(group_reduction="sum", normalizer=None)

    def __call__(self, group: tp.dependency.Group, *, generator: torch.Generator) -> Tensor | None:
        return self._importance(group)
