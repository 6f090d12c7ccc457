"""Model <-> payload bytes, with validation of everything that arrives."""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import Tensor

from fedprune.codec import decode, encode


class PayloadError(ValueError):
    """A payload that decodes but does not fit the model (names, shapes, values)."""


def pack_model(*, params: Mapping[str, Tensor], masks: Mapping[str, Tensor]) -> bytes:
    """Encode a model: tensors with a partial mask go sparse, the rest dense fp32.

    A mask that keeps everything is not sent: the receiver treats a dense prunable tensor as
    fully kept, which saves the bitmap when pruning is off or has not started.
    """
    sparse = {n: m for n, m in masks.items() if not bool(m.all())}
    return encode(tensors=params, masks=sparse)


def unpack_model(
    *, payload: bytes, reference: Mapping[str, Tensor], prunable: list[str]
) -> tuple[dict[str, Tensor], dict[str, Tensor]]:
    """Decode and validate ``payload`` against ``reference`` (names and shapes).

    Returns ``(params, masks)`` with a mask for every prunable tensor. Raises ``PayloadError``
    (or ``fedprune.codec.CodecError``, also a ``ValueError``) naming the first problem found.
    """
    decoded = decode(payload, max_elements=sum(t.numel() for t in reference.values()) + 1)
    missing = [n for n in reference if n not in decoded.tensors]
    extra = [n for n in decoded.tensors if n not in reference]
    if missing or extra:
        raise PayloadError(f"tensor names differ: missing {missing[:3]}, unexpected {extra[:3]}")
    for name, ref in reference.items():
        got = decoded.tensors[name]
        if tuple(got.shape) != tuple(ref.shape):
            raise PayloadError(f"{name}: shape {tuple(got.shape)}, expected {tuple(ref.shape)}")
        if got.is_floating_point() and not bool(torch.isfinite(got).all()):
            raise PayloadError(f"{name}: contains NaN or Inf")
    stray = [n for n in decoded.masks if n not in prunable]
    if stray:
        raise PayloadError(f"mask sent for non-prunable tensors {stray[:3]}")
    params = {n: decoded.tensors[n].to(reference[n].dtype) for n in reference}
    masks = {
        n: decoded.masks.get(n, torch.ones(reference[n].shape, dtype=torch.bool)) for n in prunable
    }
    return params, masks


def dense_size(params: Mapping[str, Tensor]) -> int:
    """Length of the dense fp32 payload of ``params``: measured by encoding it, not computed."""
    return len(encode(tensors=params, masks={}))
