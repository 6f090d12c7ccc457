"""Prune-and-regrow on small exact tensors."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from fedprune.prune.regrow import cosine_fraction, regrow_count, regrow_masks


def test_drops_the_smallest_kept_and_grows_the_largest_gradient_pruned() -> None:
    keep = torch.tensor([True, True, True, True, False, False, False, False])
    w = torch.tensor([0.9, -0.1, 0.5, 0.2, 0.0, 0.0, 0.0, 0.0])
    g = torch.tensor([9.0, 9.0, 9.0, 9.0, 0.1, -3.0, 2.0, 0.5])

    new = regrow_masks(masks={"w": keep}, weights={"w": w}, grads={"w": g}, fraction=0.5)

    # 2 swaps: drop |w| 0.1 and 0.2 (indices 1, 3); grow |g| 3.0 and 2.0 (indices 5, 6)
    assert new["w"].tolist() == [True, False, True, False, False, True, True, False]


def test_ties_go_to_the_lower_index_and_kept_gradients_never_count() -> None:
    keep = torch.tensor([[True, True], [False, False]])
    w = torch.tensor([[1.0, 1.0], [0.0, 0.0]])
    g = torch.tensor([[100.0, 100.0], [1.0, 1.0]])

    new = regrow_masks(masks={"w": keep}, weights={"w": w}, grads={"w": g}, fraction=0.5)

    assert new["w"].tolist() == [[False, True], [True, False]]


def test_counts_are_capped() -> None:
    assert regrow_count(kept=10, pruned=3, fraction=0.5) == 3  # only 3 to grow into
    assert regrow_count(kept=2, pruned=10, fraction=1.0) == 1  # a tensor keeps one weight
    assert regrow_count(kept=10, pruned=10, fraction=0.0) == 0
    with pytest.raises(ValueError, match="fraction"):
        regrow_count(kept=1, pruned=1, fraction=1.5)


@settings(max_examples=50, deadline=None)
@given(
    n=st.integers(2, 40),
    density=st.floats(0.05, 0.95),
    fraction=st.floats(0.0, 1.0),
    seed=st.integers(0, 2**16),
)
def test_density_is_kept_exactly(n: int, density: float, fraction: float, seed: int) -> None:
    gen = torch.Generator().manual_seed(seed)
    keep = torch.rand(n, generator=gen) < density
    w, g = torch.randn(n, generator=gen), torch.randn(n, generator=gen)

    new = regrow_masks(masks={"w": keep}, weights={"w": w}, grads={"w": g}, fraction=fraction)["w"]

    assert int(new.sum()) == int(keep.sum())
    swapped = int((new & ~keep).sum())
    assert swapped == regrow_count(
        kept=int(keep.sum()), pruned=int((~keep).sum()), fraction=fraction
    )


def test_cosine_fraction_anneals_to_zero() -> None:
    assert cosine_fraction(alpha=0.4, rnd=0, end_round=10) == pytest.approx(0.4)
    assert cosine_fraction(alpha=0.4, rnd=5, end_round=10) == pytest.approx(0.2)
    assert cosine_fraction(alpha=0.4, rnd=10, end_round=10) == 0.0
    assert cosine_fraction(alpha=0.4, rnd=2, end_round=10) == pytest.approx(
        0.2 * (1 + math.cos(math.pi / 5))
    )
