"""Adaptive clipping to a norm quantile (Andrew et al. 2021, https://arxiv.org/abs/1905.03871)."""

from __future__ import annotations

import math


def update_clip_bound(
    *, bound: float, noisy_fraction: float, target_quantile: float, lr: float
) -> float:
    """Geometric update ``C <- C * exp(-lr * (b - gamma))``.

    ``noisy_fraction`` b is the (noised) fraction of clients whose update norm was <= C;
    ``target_quantile`` gamma the fraction that should be. With b > gamma the bound shrinks.
    """
    if not 0 <= target_quantile <= 1:
        raise ValueError(f"target_quantile must be in [0, 1], got {target_quantile}")
    return bound * math.exp(-lr * (noisy_fraction - target_quantile))


def update_noise_multiplier(*, noise_multiplier: float, count_noise: float) -> float:
    """Noise multiplier left for the update when the clipped-count query takes its share.

    Theorem 1 of Andrew et al.: the pair (update with z_delta, count with sigma_b) is as private
    as one Gaussian query with z when ``z_delta = (z**-2 - (2 * sigma_b)**-2) ** -0.5``.
    """
    if count_noise <= 0:
        return noise_multiplier
    inner = noise_multiplier**-2 - (2.0 * count_noise) ** -2
    if inner <= 0:
        raise ValueError(
            f"privacy.count_noise {count_noise} is too small for noise_multiplier "
            f"{noise_multiplier}: need count_noise > noise_multiplier / 2"
        )
    return inner**-0.5
