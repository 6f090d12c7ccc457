"""Tests for the fixed stratified holdout."""

from __future__ import annotations

import numpy as np
import pytest

from fedprune.data.holdout import stratified_holdout


def test_holdout_keeps_class_proportions_and_exact_total():
    labels = np.repeat([0, 1, 2], [50, 30, 20])

    train, test = stratified_holdout(labels=labels, test_size=25, seed=0)

    assert np.bincount(labels[test]).tolist() == [13, 7, 5]  # 12.5, 7.5, 5 by largest remainder
    np.testing.assert_array_equal(np.sort(np.concatenate([train, test])), np.arange(100))


def test_holdout_depends_only_on_seed():
    labels = np.tile(np.arange(4), 25)

    first = stratified_holdout(labels=labels, test_size=20, seed=5)[1]
    again = stratified_holdout(labels=labels, test_size=20, seed=5)[1]
    other = stratified_holdout(labels=labels, test_size=20, seed=6)[1]

    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


@pytest.mark.parametrize("test_size", [0, 10])
def test_holdout_rejects_sizes_that_empty_a_side(test_size):
    with pytest.raises(ValueError, match=r"test_size must lie in \(0, 10\)"):
        stratified_holdout(labels=np.zeros(10, dtype=np.int64), test_size=test_size, seed=0)
