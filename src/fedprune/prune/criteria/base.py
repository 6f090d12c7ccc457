"""The ``Criterion`` interface: what a criterion needs, how it is called, and its registry."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from enum import Enum
from typing import ClassVar

import torch
from torch import Tensor

from fedprune.registry import Registry


class Need(Enum):
    """What a criterion needs besides the weights; whoever scores gathers exactly that."""

    NOTHING = "nothing"
    INIT_GRADIENTS = "init_gradients"
    """``dL/dw`` at the received weights, before local training, over ``INIT_BATCHES`` batches;
    ``params`` are then those received weights too, as the saliency is taken at one point."""
    TRAIN_GRADIENTS = "train_gradients"
    """``dL/dw`` averaged over every local training step."""
    GENERATOR = "generator"
    """A seeded ``torch.Generator``."""


GRADIENT_NEEDS = frozenset({Need.INIT_GRADIENTS, Need.TRAIN_GRADIENTS})

INIT_BATCHES = 4
"""Local batches the gradient at the received weights is averaged over (SNIP uses one batch of
~100 examples; our batches are smaller)."""


class Criterion(ABC):
    """Scores each weight's importance; the lowest scores are pruned first.

    ``needs`` declares what the caller must pass besides ``params``, the weights to score (the
    trained ones, or the received ones for ``Need.INIT_GRADIENTS``). Scores are non-negative
    tensors shaped like the weights, detached from any graph.
    """

    needs: ClassVar[Need] = Need.NOTHING

    @abstractmethod
    def __call__(
        self,
        *,
        params: Mapping[str, Tensor],
        grads: Mapping[str, Tensor] | None = None,
        generator: torch.Generator | None = None,
    ) -> dict[str, Tensor]:
        """Scores for every tensor in ``params``."""


CRITERIA: Registry[type[Criterion]] = Registry("pruning criterion")


def weight_times_gradient(
    *, params: Mapping[str, Tensor], grads: Mapping[str, Tensor] | None, criterion: str
) -> dict[str, Tensor]:
    """``|w * g|`` for every tensor in ``params``: the first-order estimate of the loss change
    when ``w`` is set to zero. ``ValueError`` when a gradient is missing."""
    if grads is None:
        raise ValueError(f"criterion {criterion!r} needs gradients, got none")
    missing = [n for n in params if n not in grads]
    if missing:
        raise ValueError(f"criterion {criterion!r} needs gradients; missing for {missing[:3]}")
    return {n: (p.detach() * grads[n].detach()).abs() for n, p in params.items()}
