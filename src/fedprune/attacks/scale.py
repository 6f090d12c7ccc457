"""Model replacement: the client boosts its update so that it dominates the average."""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import Tensor

from fedprune.attacks.base import ATTACKS, Attack, keep_masked


@ATTACKS.register("scale")
class Scale(Attack):
    """Send ``g + scale * (x - g)`` for the trained ``x`` and received ``g``, under the client's
    mask: Bagdasaryan et al. 2020's model replacement (https://arxiv.org/abs/1807.00459), where
    ``scale`` near the number of clients a round replaces the plain mean by the attacker's model.

    Parameters
    ----------
    scale:
        The boost factor (any real; negative also flips the update).
    """

    def __init__(self, *, scale: float = 10.0) -> None:
        self.scale = scale

    def poison_model(
        self,
        *,
        state: Mapping[str, Tensor],
        received: Mapping[str, Tensor],
        masks: Mapping[str, Tensor],
        generator: torch.Generator,
    ) -> tuple[dict[str, Tensor], dict[str, Tensor]]:
        boosted = {n: g + self.scale * (state[n] - g) for n, g in received.items()}
        return keep_masked(boosted, masks), dict(masks)
