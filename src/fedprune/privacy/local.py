"""A client's own privatisation of its update (local DP)."""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import Tensor

from fedprune.privacy.clip import clip_update
from fedprune.privacy.noise import add_gaussian_noise


def privatize(
    *,
    trained: Mapping[str, Tensor],
    received: Mapping[str, Tensor],
    masks: Mapping[str, Tensor],
    clip: float,
    noise_multiplier: float,
    generator: torch.Generator,
) -> dict[str, Tensor]:
    """``received + clip(trained - received) + N(0, (noise_multiplier * clip)^2)``.

    Noise goes on every coordinate ``masks`` keeps (the received global mask: public), and
    pruned coordinates stay exactly zero.
    """
    delta = {n: trained[n].double() - received[n].double() for n in trained}
    clipped, _ = clip_update(delta=delta, bound=clip)
    noisy = add_gaussian_noise(
        tensors=clipped, std=noise_multiplier * clip, generator=generator, masks=masks
    )
    out = {n: (received[n].double() + noisy[n]).to(trained[n].dtype) for n in trained}
    for n, m in masks.items():
        out[n].mul_(m)
    return out
