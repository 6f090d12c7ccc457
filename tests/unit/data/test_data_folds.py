"""Tests for the per-client k-fold split."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fedprune.data import split_fold


def all_folds(indices: np.ndarray, folds: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    return [
        split_fold(indices=indices, folds=folds, fold=i, rng=np.random.default_rng(seed))
        for i in range(folds)
    ]


@settings(max_examples=50, deadline=None)
@given(
    indices=st.lists(st.integers(0, 10_000), unique=True, min_size=5, max_size=80).map(np.array),
    folds=st.integers(2, 5),
    seed=st.integers(0, 2**32 - 1),
)
def test_held_out_folds_are_disjoint_cover_the_client_and_train_is_the_rest(indices, folds, seed):
    splits = all_folds(indices, folds, seed)

    held_out = np.concatenate([val for _, val in splits])
    np.testing.assert_array_equal(np.sort(held_out), np.sort(indices))  # disjoint and covering
    sizes = [len(val) for _, val in splits]
    assert max(sizes) - min(sizes) <= 1
    for train, val in splits:
        np.testing.assert_array_equal(np.sort(np.concatenate([train, val])), np.sort(indices))
        assert len(train) >= 1
        assert train.dtype == val.dtype == np.int64


def test_same_seed_same_folds_other_seed_other_folds():
    indices = np.arange(100, 160)

    a, b, c = all_folds(indices, 3, 7), all_folds(indices, 3, 7), all_folds(indices, 3, 8)

    for (ta, va), (tb, vb) in zip(a, b, strict=True):
        np.testing.assert_array_equal(va, vb)
        np.testing.assert_array_equal(ta, tb)
    assert not np.array_equal(a[0][1], c[0][1])


@pytest.mark.parametrize(
    ("folds", "fold", "match"),
    [(1, 0, "folds must be an int >= 2"), (3, 3, r"fold must be an int in \[0, 3\)")],
)
def test_bad_fold_arguments_are_rejected(folds, fold, match):
    with pytest.raises(ValueError, match=match):
        split_fold(indices=np.arange(10), folds=folds, fold=fold, rng=np.random.default_rng(0))


def test_a_client_with_fewer_samples_than_folds_is_rejected():
    with pytest.raises(ValueError, match="holds 2 samples, fewer than the 3 folds"):
        split_fold(indices=np.arange(2), folds=3, fold=0, rng=np.random.default_rng(0))
