"""Gaussian noise in place of an update."""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import Tensor

from fedprune.attacks.base import ATTACKS, Attack, keep_masked


@ATTACKS.register("gaussian")
class Gaussian(Attack):
    """Send ``g + N(0, std^2)`` (the received model plus noise, the training thrown away) under
    the client's mask: the Gaussian Byzantine worker of Blanchard et al. 2017
    (https://arxiv.org/abs/1703.02757).

    Parameters
    ----------
    std:
        Standard deviation (> 0) of the noise on every entry.
    """

    def __init__(self, *, std: float = 1.0) -> None:
        if not std > 0:
            raise ValueError(f"attack.std must be > 0, got {std}")
        self.std = std

    def poison_model(
        self,
        *,
        state: Mapping[str, Tensor],
        received: Mapping[str, Tensor],
        masks: Mapping[str, Tensor],
        generator: torch.Generator,
    ) -> tuple[dict[str, Tensor], dict[str, Tensor]]:
        noisy = {
            n: g + self.std * torch.randn(g.shape, generator=generator, dtype=g.dtype)
            for n, g in received.items()
        }
        return keep_masked(noisy, masks), dict(masks)
