"""Model and update <-> payload bytes, with validation of everything that arrives."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import torch
from torch import Tensor

from fedprune.codec import Decoded, Pipeline, decode, encode_pipeline
from fedprune.codec.frame import read_frame
from fedprune.finite import all_finite
from fedprune.mask_count import keeps_all

FP32 = Pipeline()


class PayloadError(ValueError):
    """A payload that decodes but does not fit the model (names, shapes, values)."""


def sent_state(model: torch.nn.Module) -> dict[str, Tensor]:
    """The tensors of ``model`` that travel: every floating-point parameter and buffer.

    Integer buffers (BatchNorm's ``num_batches_tracked``) are counters local to each copy; they
    stay where they are (``load_sent_state`` leaves them untouched).
    """
    return {
        k: v.detach().clone(memory_format=torch.contiguous_format)  # whatever the model's layout
        for k, v in model.state_dict().items()
        if v.is_floating_point()
    }


def load_sent_state(model: torch.nn.Module, params: Mapping[str, Tensor]) -> None:
    """Load ``params`` (from ``sent_state`` or a payload) into ``model``; only integer buffers
    may be missing."""
    result = model.load_state_dict(dict(params), strict=False)
    state = model.state_dict()
    missing = [k for k in result.missing_keys if state[k].is_floating_point()]
    if missing or result.unexpected_keys:
        raise PayloadError(
            f"state does not fit the model: missing {missing[:3]}, "
            f"unexpected {result.unexpected_keys[:3]}"
        )


def peek_shapes(payload: bytes, *, max_elements: int) -> dict[str, tuple[int, ...]]:
    """The tensor names and shapes a payload declares, from its checked header only.

    Raises ``fedprune.codec.CodecError`` for anything that is not a valid frame.
    """
    return {e.name: e.shape for e in read_frame(payload, max_elements=max_elements)}


def pack_model(
    *,
    params: Mapping[str, Tensor],
    masks: Mapping[str, Tensor],
    pipeline: Pipeline = FP32,
    rng: np.random.Generator | None = None,
) -> bytes:
    """Encode a model through ``pipeline``: tensors with a partial mask go sparse.

    A mask that keeps everything is not sent: the receiver treats an unmasked prunable tensor
    as fully kept, which saves the mask when pruning is off or has not started.
    """
    sent = masks_to_send(masks=masks, pipeline=pipeline)
    return encode_pipeline(tensors=params, masks=sent, pipeline=pipeline, rng=rng)


def masks_to_send(*, masks: Mapping[str, Tensor], pipeline: Pipeline) -> dict[str, Tensor]:
    """Every mask for a mask-known pipeline (the receiver checks them); else the partial ones."""
    if pipeline.mask == "known":
        return dict(masks)
    return {n: m for n, m in masks.items() if not keeps_all(m)}


def _decode_checked(
    payload: bytes, reference: Mapping[str, Tensor], known_masks: Mapping[str, Tensor] | None
) -> Decoded:
    decoded = decode(
        payload,
        max_elements=sum(t.numel() for t in reference.values()) + 1,
        known_masks=known_masks,
    )
    missing = [n for n in reference if n not in decoded.tensors]
    extra = [n for n in decoded.tensors if n not in reference]
    if missing or extra:
        raise PayloadError(f"tensor names differ: missing {missing[:3]}, unexpected {extra[:3]}")
    for name, ref in reference.items():
        got = decoded.tensors[name]
        if tuple(got.shape) != tuple(ref.shape):
            raise PayloadError(f"{name}: shape {tuple(got.shape)}, expected {tuple(ref.shape)}")
        if not all_finite(got):
            raise PayloadError(f"{name}: contains NaN or Inf")
    return decoded


def unpack_model(
    *,
    payload: bytes,
    reference: Mapping[str, Tensor],
    prunable: list[str],
    known_masks: Mapping[str, Tensor] | None = None,
) -> tuple[dict[str, Tensor], dict[str, Tensor]]:
    """Decode and validate a model ``payload`` against ``reference`` (names and shapes).

    Returns ``(params, masks)`` with a mask for every prunable tensor. Raises ``PayloadError``
    (or ``fedprune.codec.CodecError``, also a ``ValueError``) naming the first problem found.
    """
    decoded = _decode_checked(payload, reference, known_masks)
    stray = [n for n in decoded.masks if n not in prunable]
    if stray:
        raise PayloadError(f"mask sent for non-prunable tensors {stray[:3]}")
    params = {n: decoded.tensors[n].to(reference[n].dtype) for n in reference}
    masks = {
        n: decoded.masks.get(n, torch.ones(reference[n].shape, dtype=torch.bool)) for n in prunable
    }
    return params, masks


def unpack_delta(
    *,
    payload: bytes,
    base: Mapping[str, Tensor],
    masks: Mapping[str, Tensor],
    known_masks: Mapping[str, Tensor] | None = None,
) -> dict[str, Tensor]:
    """Decode an update sent as ``trained - base`` and return ``base + delta``.

    Entries outside ``masks`` (the global masks both ends hold) are forced to zero, so a delta
    cannot revive a pruned weight.
    """
    decoded = _decode_checked(payload, base, known_masks)
    params = {n: base[n] + decoded.tensors[n].to(base[n].dtype) for n in base}
    for name, mask in masks.items():
        params[name].mul_(mask)
    return params


def unpack_masked_delta(
    *,
    payload: bytes,
    base: Mapping[str, Tensor],
    prunable: list[str],
) -> tuple[dict[str, Tensor], dict[str, Tensor]]:
    """Decode an update sent as ``trained - base`` with the sender's own masks on the wire.

    Returns ``(params, masks)`` like ``unpack_model``: ``base + delta`` where the sender's mask
    keeps an entry and 0 where it pruned one (a prunable tensor sent without a mask is fully
    kept), so the result is what sending the pruned weights themselves would have given.
    """
    decoded = _decode_checked(payload, base, None)
    stray = [n for n in decoded.masks if n not in prunable]
    if stray:
        raise PayloadError(f"mask sent for non-prunable tensors {stray[:3]}")
    params = {n: base[n] + decoded.tensors[n].to(base[n].dtype) for n in base}
    masks = {n: decoded.masks.get(n, torch.ones(base[n].shape, dtype=torch.bool)) for n in prunable}
    for name, mask in masks.items():
        # base + 0 would keep the global weight where the client pruned it
        params[name].mul_(mask)
    return params, masks


def dense_size(params: Mapping[str, Tensor]) -> int:
    """Length of the dense fp32 payload of ``params``: measured by encoding it, not computed."""
    return len(encode_pipeline(tensors=params, masks={}, pipeline=FP32))
