"""Prune-and-regrow of a sparse mask (dynamic sparse training): drop the weakest kept weights,
regrow as many pruned ones where the loss gradient is largest. Pure functions."""

from __future__ import annotations

import math
from collections.abc import Mapping

import torch
from torch import Tensor

__all__ = ["cosine_fraction", "regrow_count", "regrow_masks"]


def regrow_count(*, kept: int, pruned: int, fraction: float) -> int:
    """How many entries one tensor swaps: ``round(fraction * kept)``, at most ``pruned`` (there
    must be pruned entries to grow into) and at most ``kept - 1`` (a layer keeps a weight)."""
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"fraction must be in [0, 1], got {fraction}")
    return max(0, min(round(fraction * kept), pruned, kept - 1))


def regrow_masks(
    *,
    masks: Mapping[str, Tensor],
    weights: Mapping[str, Tensor],
    grads: Mapping[str, Tensor],
    fraction: float,
) -> dict[str, Tensor]:
    """New keep-masks: per tensor, the ``regrow_count`` kept entries of smallest ``|w|`` are
    dropped and as many entries pruned *before* the drop, of largest ``|grad|``, are grown.

    RigL's update (Evci et al. 2020, https://arxiv.org/abs/1911.11134) as FedDST's clients use
    it (Bibikar et al. 2022, https://arxiv.org/abs/2112.09824). Growing only among the entries
    pruned before the drop makes every swap real and keeps each tensor's density exactly. Ties
    go to the lower flat index. The caller zeroes the grown weights (they start from 0).
    """
    out = {}
    for name, keep in masks.items():
        w, g = weights[name], grads[name]
        if w.shape != keep.shape or g.shape != keep.shape:
            raise ValueError(f"{name}: mask, weight and gradient shapes differ")
        flat = keep.reshape(-1)
        k = regrow_count(kept=int(flat.sum()), pruned=int((~flat).sum()), fraction=fraction)
        new = flat.clone()
        if k:
            magnitude = w.detach().reshape(-1).abs().to(torch.float64)
            magnitude[~flat] = math.inf
            new[_smallest(magnitude, k)] = False
            growth = g.detach().reshape(-1).abs().to(torch.float64)
            growth[flat] = -math.inf
            new[_smallest(-growth, k)] = True
        out[name] = new.reshape(keep.shape)
    return out


def cosine_fraction(*, alpha: float, rnd: int, end_round: int) -> float:
    """RigL's cosine-annealed swap fraction ``alpha/2 * (1 + cos(pi * rnd / end_round))``,
    0 from ``end_round`` on."""
    if rnd >= end_round:
        return 0.0
    return alpha / 2 * (1 + math.cos(math.pi * rnd / end_round))


def _smallest(values: Tensor, k: int) -> Tensor:
    return torch.sort(values, stable=True).indices[:k]
