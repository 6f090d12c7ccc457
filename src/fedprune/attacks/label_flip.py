"""Label flipping: the client trains on labels mapped ``y -> C - 1 - y``."""

from __future__ import annotations

import torch
from torch import Tensor

from fedprune.attacks.base import ATTACKS, Attack


def flip_labels(y: Tensor, *, num_classes: int) -> Tensor:
    """``num_classes - 1 - y``: every label moved to its mirror class."""
    return num_classes - 1 - y


@ATTACKS.register("label_flip")
class LabelFlip(Attack):
    """Data poisoning: train honestly on every label flipped to ``C - 1 - y``
    (Tolpegin et al. 2020, https://arxiv.org/abs/2007.08432)."""

    def __init__(self, *, num_classes: int) -> None:
        if num_classes < 2:
            raise ValueError(f"label_flip needs at least 2 classes, got {num_classes}")
        self.num_classes = num_classes

    def poison_data(
        self, *, x: Tensor, y: Tensor, generator: torch.Generator
    ) -> tuple[Tensor, Tensor]:
        return x, flip_labels(y, num_classes=self.num_classes)
