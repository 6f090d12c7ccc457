"""Top-k masks: exactly ceil(f * m) entries, the largest magnitudes, ties by index."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from fedprune.codec import topk_mask


def test_keeps_largest_magnitudes_and_breaks_ties_towards_lower_indices() -> None:
    t = torch.tensor([[1.0, -3.0, 2.0], [-2.0, 0.0, 2.0]])

    mask = topk_mask(t, fraction=0.5)

    assert mask.tolist() == [[False, True, True], [True, False, False]]


@settings(max_examples=60, deadline=None)
@given(
    values=arrays(np.float32, st.integers(0, 200), elements=st.floats(-1e6, 1e6, width=32)),
    fraction=st.floats(0.001, 1.0),
)
def test_count_and_order_property(values: np.ndarray, fraction: float) -> None:
    mask = topk_mask(torch.from_numpy(values), fraction=fraction).numpy()

    k = int(np.ceil(fraction * values.size))
    assert mask.sum() == k
    if 0 < k < values.size:
        assert np.abs(values[mask]).min() >= np.abs(values[~mask]).max()


@pytest.mark.parametrize("fraction", [0.0, 1.5])
def test_fraction_outside_zero_one_is_refused(fraction: float) -> None:
    with pytest.raises(ValueError, match=r"\(0, 1\]"):
        topk_mask(torch.ones(3), fraction=fraction)


def test_non_finite_values_are_refused() -> None:
    with pytest.raises(ValueError, match="finite"):
        topk_mask(torch.tensor([1.0, float("nan")]), fraction=0.5)
