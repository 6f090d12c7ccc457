"""Fixed, class-stratified train/test holdout for datasets that ship without a test split."""

from __future__ import annotations

import numpy as np

__all__ = ["stratified_holdout"]


def stratified_holdout(
    *, labels: np.ndarray, test_size: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Split sample indices into train and test, keeping class proportions.

    Each class gives ``test_size * n_class / n`` test samples, rounded by largest remainder so
    the counts sum to ``test_size`` exactly. The result depends only on ``labels`` and ``seed``.

    Returns
    -------
    (train, test):
        Sorted int64 index arrays that together hold every index once.
    """
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"labels must be one-dimensional, got shape {labels.shape}")
    if not 0 < test_size < len(labels):
        raise ValueError(f"test_size must lie in (0, {len(labels)}), got {test_size}")
    classes, counts = np.unique(labels, return_counts=True)
    quotas = test_size * counts / len(labels)
    take = np.floor(quotas).astype(np.int64)
    # Largest remainder; ties go to the lower class so the split is reproducible.
    shortfall = test_size - int(take.sum())
    take[np.argsort(-(quotas - take), kind="stable")[:shortfall]] += 1
    rng = np.random.default_rng(seed)
    test_parts = [
        rng.permutation(np.flatnonzero(labels == cls))[:k]
        for cls, k in zip(classes, take, strict=True)
    ]
    test = np.sort(np.concatenate(test_parts)).astype(np.int64)
    train = np.setdiff1d(np.arange(len(labels), dtype=np.int64), test, assume_unique=True)
    return train, test
