"""The L1 soft-threshold step on exact numbers."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from fedprune.prune.shrink import soft_threshold


def test_soft_threshold_shrinks_towards_zero_and_zeroes_the_small_entries() -> None:
    w = torch.tensor([-3.0, -0.5, 0.0, 0.25, 0.5, 1.5])

    out = soft_threshold(w, threshold=0.5)

    assert out.tolist() == [-2.5, 0.0, 0.0, 0.0, 0.0, 1.0]
    assert w.tolist() == [-3.0, -0.5, 0.0, 0.25, 0.5, 1.5]  # pure: the input is unchanged


def test_a_zero_threshold_is_the_identity() -> None:
    w = torch.tensor([-1.0, 0.0, 2.0])

    assert torch.equal(soft_threshold(w, threshold=0.0), w)


def test_a_negative_threshold_is_rejected() -> None:
    with pytest.raises(ValueError, match="threshold"):
        soft_threshold(torch.ones(2), threshold=-0.1)


@settings(max_examples=50, deadline=None)
@given(
    values=st.lists(st.floats(-10, 10, width=32), min_size=1, max_size=20),
    threshold=st.floats(0, 5),
)
def test_soft_threshold_is_the_l1_proximal_operator(values: list[float], threshold: float) -> None:
    w = torch.tensor(values)

    out = soft_threshold(w, threshold=threshold)

    # |out| = max(|w| - t, 0) with the sign of w: never grows, never changes sign
    torch.testing.assert_close(out.abs(), (w.abs() - threshold).clamp(min=0))
    assert bool((out * w >= 0).all())
    assert bool((out[w.abs() <= threshold] == 0).all())
