"""The ``ChannelCriterion`` interface and its registry: one score per channel of a group."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

import torch
import torch_pruning as tp
from torch import Tensor

from fedprune.prune.criteria.base import Need
from fedprune.registry import Registry


class ChannelCriterion(ABC):
    """Scores the channels of one Torch-Pruning group; the lowest scores are removed first.

    ``needs`` says what the caller must provide besides the weights: with
    ``Need.TRAIN_GRADIENTS`` every coupled weight carries its gradient in ``.grad``.
    """

    needs: ClassVar[Need] = Need.NOTHING

    @abstractmethod
    def __call__(self, group: tp.dependency.Group, *, generator: torch.Generator) -> Tensor | None:
        """One non-negative score per channel, in the group root's order; ``None`` when the
        group holds no layer this criterion reads."""


CHANNEL_CRITERIA: Registry[type[ChannelCriterion]] = Registry("channel criterion")
