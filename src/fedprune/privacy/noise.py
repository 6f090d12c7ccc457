"""Gaussian noise restricted to the coordinates that are sent (pure given the generator)."""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import Tensor


def add_gaussian_noise(
    *,
    tensors: Mapping[str, Tensor],
    std: float,
    generator: torch.Generator,
    masks: Mapping[str, Tensor] | None = None,
) -> dict[str, Tensor]:
    """``tensors`` plus i.i.d. N(0, std²) noise, only where ``masks`` keeps an entry.

    Pruned coordinates of a mask that is public (the shared global mask) get no noise and stay
    exactly zero, so a sparse update stays sparse; the mask itself must then not depend on
    private data for the guarantee to cover it (see README: privacy). Tensors are visited in
    sorted name order, so the same generator state gives the same noise.
    """
    if std < 0:
        raise ValueError(f"noise std must be >= 0, got {std}")
    out: dict[str, Tensor] = {}
    for name in sorted(tensors):
        t = tensors[name]
        noise = torch.randn(t.shape, generator=generator, dtype=torch.float64) * std
        if masks is not None and name in masks:
            noise = noise * masks[name]
        out[name] = (t.double() + noise).to(t.dtype)
    return out
