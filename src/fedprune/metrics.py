"""Pruning and compression metrics, with the definitions of DESIGN.md."""

from __future__ import annotations

from collections.abc import Mapping

from torch import Tensor

from fedprune.mask_count import kept


def layer_sparsity(masks: Mapping[str, Tensor]) -> dict[str, float]:
    """Pruned fraction of each masked tensor."""
    return {n: 1.0 - kept(m) / max(m.numel(), 1) for n, m in masks.items()}


def global_sparsity(masks: Mapping[str, Tensor]) -> float:
    """Sparsity (pruning rate) = pruned parameters / prunable parameters."""
    total = sum(m.numel() for m in masks.values())
    count = sum(kept(m) for m in masks.values())
    return 1.0 - count / total if total else 0.0


def parameter_counts(
    params: Mapping[str, Tensor], masks: Mapping[str, Tensor]
) -> dict[str, int | float]:
    """Total, prunable and remaining parameter counts and the parameter compression ratio."""
    total = sum(t.numel() for t in params.values())
    prunable = sum(m.numel() for m in masks.values())
    pruned = prunable - sum(kept(m) for m in masks.values())
    remaining = total - pruned
    return {
        "total": total,
        "prunable": prunable,
        "remaining": remaining,
        "parameter_compression": total / remaining if remaining else float("inf"),
    }


def compression_ratio(*, dense_bytes: int, encoded_bytes: int) -> float:
    """Dense fp32 bytes / encoded bytes, both lengths of real payloads."""
    if encoded_bytes <= 0:
        raise ValueError(f"encoded_bytes must be > 0, got {encoded_bytes}")
    return dense_bytes / encoded_bytes
