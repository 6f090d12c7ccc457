"""Clipping a model update to an L2 norm bound (pure functions)."""

from __future__ import annotations

import math
from collections.abc import Mapping

from torch import Tensor


def update_norm(delta: Mapping[str, Tensor]) -> float:
    """The L2 norm of a whole update, all tensors flattened together (float64 sums)."""
    return math.sqrt(sum(float(t.detach().double().pow(2).sum()) for t in delta.values()))


def clip_update(*, delta: Mapping[str, Tensor], bound: float) -> tuple[dict[str, Tensor], float]:
    """``delta`` scaled by ``min(1, bound / ||delta||)``, and the norm before clipping.

    Abadi et al. 2016 / McMahan et al. 2018: the bound is the sensitivity of a sum of clipped
    updates, so Gaussian noise of std ``sigma * bound`` on that sum gives (epsilon, delta)-DP.
    """
    if not bound > 0:
        raise ValueError(f"clip bound must be > 0, got {bound}")
    norm = update_norm(delta)
    scale = min(1.0, bound / norm) if norm > 0 else 1.0
    return {n: (t * scale).to(t.dtype) for n, t in delta.items()}, norm
