"""Per-client train/validation split of a client's sample indices."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["split_validation"]


def split_validation(
    *, indices: np.ndarray, fraction: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Hold out ``floor(fraction * len(indices))`` random indices for validation.

    Parameters
    ----------
    indices:
        A client's 1-D integer sample indices.
    fraction:
        Share to hold out, ``0 <= fraction < 1``; the training part is never emptied.

    Returns
    -------
    (train, val):
        Sorted int64 arrays that together hold ``indices``.
    """
    indices = np.asarray(indices)
    if indices.ndim != 1 or not (indices.size == 0 or np.issubdtype(indices.dtype, np.integer)):
        raise ValueError(f"indices must be a 1-D integer array, got shape {indices.shape}")
    if isinstance(fraction, bool) or not isinstance(fraction, (int, float)):
        raise ValueError(f"fraction must be a float in [0, 1), got {fraction!r}")
    if not 0 <= fraction < 1:
        raise ValueError(f"fraction must lie in [0, 1), got {fraction}")
    num_val = math.floor(fraction * len(indices))
    shuffled = rng.permutation(indices.astype(np.int64))
    return np.sort(shuffled[num_val:]), np.sort(shuffled[:num_val])
