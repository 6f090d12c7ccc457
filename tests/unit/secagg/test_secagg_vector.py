"""Kept-entry vectors: the shared mask's positions only, in a fixed order, and back."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from fedprune.secagg.vector import flatten, kept_length, unflatten


def _model() -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
    tensors = {"w": torch.tensor([[1.0, 2.0], [3.0, 4.0]]), "b": torch.tensor([5.0, 6.0])}
    return tensors, {"w": torch.tensor([[True, False], [False, True]])}


def test_only_kept_entries_take_positions_names_sorted() -> None:
    tensors, masks = _model()
    assert flatten(tensors=tensors, masks=masks).tolist() == [5.0, 6.0, 1.0, 4.0]
    assert kept_length(like=tensors, masks=masks) == 4


def test_unflatten_inverts_with_zeros_where_pruned() -> None:
    tensors, masks = _model()
    back = unflatten(np.array([5.0, 6.0, 1.0, 4.0]), like=tensors, masks=masks)
    assert list(back) == ["w", "b"]
    assert back["w"].tolist() == [[1.0, 0.0], [0.0, 4.0]] and back["b"].tolist() == [5.0, 6.0]
    assert back["w"].dtype == torch.float32


def test_wrong_length_is_refused() -> None:
    tensors, masks = _model()
    with pytest.raises(ValueError, match="vector of 3 entries, expected 4"):
        unflatten(np.zeros(3), like=tensors, masks=masks)
