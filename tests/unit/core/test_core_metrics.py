"""Metrics follow DESIGN.md: sparsity = pruned / prunable, compression = dense / encoded."""

from __future__ import annotations

import pytest
import torch

from fedprune.metrics import compression_ratio, global_sparsity, layer_sparsity, parameter_counts


def masks() -> dict[str, torch.Tensor]:
    # "a": 1 of 4 pruned; "b": 3 of 4 pruned
    return {
        "a": torch.tensor([[True, True], [True, False]]),
        "b": torch.tensor([False, False, False, True]),
    }


def test_layer_sparsity_is_each_tensors_pruned_fraction() -> None:
    assert layer_sparsity(masks()) == {"a": 0.25, "b": 0.75}


def test_global_sparsity_is_pruned_over_prunable() -> None:
    assert global_sparsity(masks()) == 0.5


def test_global_sparsity_weights_layers_by_size() -> None:
    big_dense = torch.ones(6, dtype=torch.bool)
    small_empty = torch.zeros(2, dtype=torch.bool)

    # 2 pruned of 8 prunable, not the mean of layer rates (0.5)
    assert global_sparsity({"big": big_dense, "small": small_empty}) == 0.25


def test_global_sparsity_without_masks_is_zero() -> None:
    assert global_sparsity({}) == 0.0


def test_parameter_counts_include_non_prunable_tensors() -> None:
    params = {"a": torch.zeros(2, 2), "b": torch.zeros(4), "bias": torch.zeros(2)}

    counts = parameter_counts(params, masks())

    assert counts == {
        "total": 10,
        "prunable": 8,
        "remaining": 6,  # 10 minus the 4 pruned
        "parameter_compression": pytest.approx(10 / 6),
    }


def test_parameter_compression_is_infinite_when_nothing_remains() -> None:
    params = {"a": torch.zeros(3)}

    counts = parameter_counts(params, {"a": torch.zeros(3, dtype=torch.bool)})

    assert counts["remaining"] == 0
    assert counts["parameter_compression"] == float("inf")


def test_compression_ratio_is_dense_over_encoded() -> None:
    assert compression_ratio(dense_bytes=400, encoded_bytes=100) == 4.0


@pytest.mark.parametrize("encoded", [0, -1])
def test_compression_ratio_needs_positive_encoded_bytes(encoded: int) -> None:
    with pytest.raises(ValueError, match="encoded_bytes"):
        compression_ratio(dense_bytes=400, encoded_bytes=encoded)
