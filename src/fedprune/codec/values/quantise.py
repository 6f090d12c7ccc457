"""Pure maths of the quantisers: per-segment scales and deterministic or stochastic rounding."""

from __future__ import annotations

import numpy as np


def segment_absmax(x: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """``max |x|`` over consecutive segments of the given lengths (0 for an empty segment)."""
    return _segment(np.maximum, np.abs(x), counts)


def segment_mean_abs(x: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Mean of ``|x|`` over consecutive segments (0 for an empty segment)."""
    sums = _segment(np.add, np.abs(x).astype(np.float64), counts)
    return (sums / np.maximum(counts, 1)).astype(np.float32)


def expand(per_segment: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Repeat each segment's value over its elements; a single segment stays a 1-element array."""
    return per_segment if per_segment.size == 1 else np.repeat(per_segment, counts)


def round_to_grid(
    x: np.ndarray, scale: np.ndarray, *, qmax: int, rng: np.random.Generator | None
) -> np.ndarray:
    """Integers ``q`` in ``[-qmax, qmax]`` with ``q * scale ~ x``.

    Deterministic (``rng is None``): round half to even, so ``|x - q*scale| <= scale/2``.
    Stochastic: ``floor(x/scale + u)``, ``u ~ U[0, 1)``, so ``E[q*scale] = x`` (unbiased).
    A zero scale (all-zero segment) gives ``q = 0``.
    """
    safe = np.where(scale > 0, scale, np.float32(1)).astype(np.float32)
    y = x / safe
    q = np.rint(y) if rng is None else np.floor(y + rng.random(x.size, dtype=np.float32))
    return np.clip(q, -qmax, qmax).astype(np.int16)


def _segment(op: np.ufunc, values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    out = np.zeros(counts.size, dtype=values.dtype)
    nonempty = counts > 0
    if values.size:
        starts = np.concatenate(([0], np.cumsum(counts)[:-1]))[nonempty]
        out[nonempty] = op.reduceat(values, starts)
    return out
