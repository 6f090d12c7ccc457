"""Mask counts: the fast paths agree with torch's own on every kind of mask."""

from __future__ import annotations

import pytest
import torch

from fedprune.mask_count import keeps_all, kept


@pytest.mark.parametrize(
    "mask",
    [
        torch.tensor([True, False, True]),
        torch.ones(5, dtype=torch.bool),
        torch.zeros(4, dtype=torch.bool),
        torch.ones(6, 4, dtype=torch.bool).t(),  # not contiguous
        torch.tensor([[True, False], [True, True]])[:, 1],  # strided view
        torch.tensor([0.0, -0.0, 2.5, float("nan")]),
        torch.zeros(0, dtype=torch.bool),
    ],
)
def test_counts_match_torch(mask: torch.Tensor) -> None:
    assert kept(mask) == int(torch.count_nonzero(mask))
    assert keeps_all(mask) == bool(mask.all())


def test_a_mask_that_needs_grad_is_counted_too() -> None:
    w = torch.tensor([1.0, 0.0, 3.0], requires_grad=True)
    assert kept(w) == 2
