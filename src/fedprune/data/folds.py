"""K-fold split of a client's sample indices, for cross-validation on client data."""

from __future__ import annotations

import numpy as np

__all__ = ["split_fold"]


def split_fold(
    *, indices: np.ndarray, folds: int, fold: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Shuffle ``indices`` once, cut them into ``folds`` near-equal folds, hold out fold ``fold``.

    The draw from ``rng`` does not depend on ``fold``, so generators in the same state give the
    same folds for every ``fold``: over ``fold = 0 .. folds - 1`` the held-out parts are disjoint
    and together hold ``indices``.

    Parameters
    ----------
    indices:
        A client's 1-D integer sample indices; at least ``folds`` of them, so no training part
        is empty.
    folds:
        Number of folds, ``>= 2``.
    fold:
        The fold held out, ``0 <= fold < folds``.

    Returns
    -------
    (train, val):
        Sorted int64 arrays: the other folds, and fold ``fold``.
    """
    indices = np.asarray(indices)
    if indices.ndim != 1 or not (indices.size == 0 or np.issubdtype(indices.dtype, np.integer)):
        raise ValueError(f"indices must be a 1-D integer array, got shape {indices.shape}")
    if isinstance(folds, bool) or not isinstance(folds, (int, np.integer)) or folds < 2:
        raise ValueError(f"folds must be an int >= 2, got {folds!r}")
    if isinstance(fold, bool) or not isinstance(fold, (int, np.integer)) or not 0 <= fold < folds:
        raise ValueError(f"fold must be an int in [0, {folds}), got {fold!r}")
    if len(indices) < folds:
        raise ValueError(
            f"a client holds {len(indices)} samples, fewer than the {folds} folds; "
            "use fewer folds or fewer clients"
        )
    parts = np.array_split(rng.permutation(indices.astype(np.int64)), folds)
    train = np.concatenate([p for i, p in enumerate(parts) if i != fold])
    return np.sort(train), np.sort(parts[fold])
