"""Sign flipping: the client sends its update reversed."""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import Tensor

from fedprune.attacks.base import ATTACKS, Attack, keep_masked


@ATTACKS.register("sign_flip")
class SignFlip(Attack):
    """Send ``g - scale * (x - g)`` for the trained ``x`` and received ``g``, under the client's
    mask (Li et al. 2019, https://arxiv.org/abs/1811.03761).

    Parameters
    ----------
    scale:
        Factor (> 0) on the reversed update; 1 flips it as it is.
    """

    def __init__(self, *, scale: float = 1.0) -> None:
        if not scale > 0:
            raise ValueError(f"attack.scale must be > 0 for sign_flip, got {scale}")
        self.scale = scale

    def poison_model(
        self,
        *,
        state: Mapping[str, Tensor],
        received: Mapping[str, Tensor],
        masks: Mapping[str, Tensor],
        generator: torch.Generator,
    ) -> tuple[dict[str, Tensor], dict[str, Tensor]]:
        flipped = {n: g - self.scale * (state[n] - g) for n, g in received.items()}
        return keep_masked(flipped, masks), dict(masks)
