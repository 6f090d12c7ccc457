"""encode refuses inputs the wire cannot carry, with errors that say which input."""

from __future__ import annotations

import pytest
import torch

from fedprune.codec import encode


@pytest.mark.parametrize("dtype", [torch.int64, torch.bool, torch.complex64])
def test_non_real_float_tensors_are_rejected(dtype: torch.dtype) -> None:
    with pytest.raises(ValueError, match=r"'w'.*floating-point"):
        encode(tensors={"w": torch.zeros(3, dtype=dtype)})


def test_mask_for_unknown_tensor_is_rejected() -> None:
    with pytest.raises(ValueError, match="not sent"):
        encode(tensors={"w": torch.zeros(2)}, masks={"v": torch.ones(2, dtype=torch.bool)})


def test_mask_shape_must_match() -> None:
    with pytest.raises(ValueError, match="shape"):
        encode(tensors={"w": torch.zeros(2, 3)}, masks={"w": torch.ones(3, 2, dtype=torch.bool)})


def test_mask_values_must_be_zero_or_one() -> None:
    with pytest.raises(ValueError, match="0 and 1"):
        encode(tensors={"w": torch.zeros(2)}, masks={"w": torch.tensor([0.5, 1.0])})


def test_unknown_sparse_encoding_lists_allowed_names() -> None:
    with pytest.raises(ValueError, match=r"\['auto', 'bitmap', 'gaps'\]"):
        encode(tensors={"w": torch.zeros(2)}, sparse="golomb")


def test_dense_is_not_a_sparse_encoding() -> None:
    with pytest.raises(ValueError, match="sparse must be"):
        encode(tensors={"w": torch.zeros(2)}, sparse="dense")


def test_too_many_dims_are_rejected() -> None:
    with pytest.raises(ValueError, match="9 dims"):
        encode(tensors={"w": torch.zeros((1,) * 9)})


def test_overlong_name_is_rejected() -> None:
    with pytest.raises(ValueError, match="65535"):
        encode(tensors={"x" * 65536: torch.zeros(1)})
