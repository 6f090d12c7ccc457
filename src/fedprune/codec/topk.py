"""Top-k sparsification: keep the fraction of entries with the largest magnitude."""

from __future__ import annotations

import math

import numpy as np
import torch


def topk_flat(
    values: np.ndarray, *, fraction: float, allowed: np.ndarray | None = None
) -> np.ndarray:
    """Flat bool mask of the ``ceil(fraction * m)`` largest ``|values|`` among ``m`` candidates.

    Candidates are all entries, or those where ``allowed`` is set. Ties at the threshold are
    broken towards lower indices, so exactly that many entries are kept.
    """
    if not 0 < fraction <= 1:
        raise ValueError(f"topk fraction must be in (0, 1], got {fraction}")
    flat = values.reshape(-1)
    where = None if allowed is None else np.flatnonzero(allowed)
    magnitude = np.abs(flat if where is None else flat[where])
    m = magnitude.size
    k = math.ceil(fraction * m)
    if m and not np.isfinite(magnitude.max()):
        raise ValueError("topk needs finite values")
    if k >= m:
        chosen = np.ones(m, dtype=bool)
    else:
        threshold = np.partition(magnitude, m - k)[m - k]
        chosen = magnitude > threshold
        ties = np.flatnonzero(magnitude == threshold)[: k - int(np.count_nonzero(chosen))]
        chosen[ties] = True
    if where is None:
        return chosen
    mask = np.zeros(flat.size, dtype=bool)
    mask[where[chosen]] = True
    return mask


def topk_mask(
    tensor: torch.Tensor, *, fraction: float, allowed: torch.Tensor | None = None
) -> torch.Tensor:
    """Bool mask of ``tensor``'s shape keeping its ``ceil(fraction * m)`` largest magnitudes."""
    values = tensor.detach().to(device="cpu", dtype=torch.float32).contiguous().numpy()
    within = None if allowed is None else allowed.detach().cpu().to(torch.bool).numpy()
    mask = topk_flat(values, fraction=fraction, allowed=within)
    return torch.from_numpy(mask.reshape(values.shape))
