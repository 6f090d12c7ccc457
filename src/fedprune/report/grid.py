"""Masks as small 2-D density grids for heatmaps: conv kernels flattened, big tensors pooled."""

from __future__ import annotations

import numpy as np

__all__ = ["MAX_CELLS", "as_matrix", "density_grid"]

# Cells per side of a heatmap; larger masks are pooled into blocks of their kept fraction.
MAX_CELLS = 96


def as_matrix(mask: np.ndarray) -> np.ndarray:
    """A mask as rows = output units, columns = everything one unit reads.

    A conv kernel ``(out, in, kh, kw)`` becomes ``(out, in * kh * kw)``, so each row is one
    filter; a linear weight stays ``(out, in)``; a vector becomes one row.
    """
    a = np.asarray(mask, dtype=np.float64)
    if a.ndim == 0:
        return a.reshape(1, 1)
    if a.ndim == 1:
        return a.reshape(1, -1)
    return a.reshape(a.shape[0], -1)


def _pool(a: np.ndarray, axis: int, cells: int) -> np.ndarray:
    n = a.shape[axis]
    if n <= cells:
        return a
    edges = np.linspace(0, n, cells + 1).round().astype(int)
    sums = np.add.reduceat(a, edges[:-1], axis=axis)
    sizes = np.diff(edges).reshape([-1 if i == axis else 1 for i in range(a.ndim)])
    return sums / sizes


def density_grid(mask: np.ndarray, *, max_cells: int = MAX_CELLS) -> np.ndarray:
    """``as_matrix(mask)`` pooled to at most ``max_cells`` per side; each cell holds the kept
    fraction of the entries it covers (exact block means, blocks differ by at most one)."""
    if max_cells < 1:
        raise ValueError(f"max_cells must be >= 1, got {max_cells}")
    return _pool(_pool(as_matrix(mask), 0, max_cells), 1, max_cells)
