"""Tests for the per-client validation split."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fedprune.data.partition import split_validation


@settings(max_examples=50, deadline=None)
@given(
    indices=st.lists(st.integers(min_value=0, max_value=10_000), unique=True, max_size=60).map(
        np.array
    ),
    fraction=st.floats(min_value=0.0, max_value=0.999),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_split_partitions_the_indices_with_floor_sized_validation(indices, fraction, seed):
    train, val = split_validation(
        indices=indices, fraction=fraction, rng=np.random.default_rng(seed)
    )

    assert len(val) == int(np.floor(fraction * len(indices)))
    np.testing.assert_array_equal(np.sort(np.concatenate([train, val])), np.sort(indices))
    assert len(train) >= 1 or len(indices) == 0


def test_split_is_deterministic_and_random_across_seeds():
    indices = np.arange(100, 200)

    a = split_validation(indices=indices, fraction=0.2, rng=np.random.default_rng(1))
    b = split_validation(indices=indices, fraction=0.2, rng=np.random.default_rng(1))
    c = split_validation(indices=indices, fraction=0.2, rng=np.random.default_rng(2))

    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[1], c[1])


@pytest.mark.parametrize("fraction", [-0.1, 1.0, 1.5])
def test_fraction_outside_unit_interval_is_rejected(fraction):
    with pytest.raises(ValueError, match=r"fraction must lie in \[0, 1\)"):
        split_validation(indices=np.arange(10), fraction=fraction, rng=np.random.default_rng(0))


def test_non_integer_indices_are_rejected():
    with pytest.raises(ValueError, match="indices must be a 1-D integer array"):
        split_validation(indices=np.ones(4), fraction=0.5, rng=np.random.default_rng(0))
