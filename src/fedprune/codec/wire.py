"""The public codec entry points: ``encode`` (dense fp32 values) and ``decode`` (any payload)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import torch

from fedprune.codec.body import decode_tensor
from fedprune.codec.errors import CodecError
from fedprune.codec.frame import FORMAT_VERSION, MAGIC, read_frame
from fedprune.codec.masks import sparse_names
from fedprune.codec.pipeline import Pipeline, encode_pipeline

__all__ = ["FORMAT_VERSION", "MAGIC", "Decoded", "decode", "encode"]


@dataclass(frozen=True)
class Decoded:
    """What a payload carried.

    Attributes
    ----------
    tensors:
        float32 tensors of the declared shapes, in payload order, zeros at pruned positions.
    masks:
        bool masks, only for the tensors that were sent with a mask (explicit or known).
    """

    tensors: dict[str, torch.Tensor]
    masks: dict[str, torch.Tensor]


def encode(
    *,
    tensors: Mapping[str, torch.Tensor],
    masks: Mapping[str, torch.Tensor] | None = None,
    sparse: str = "auto",
    known_masks: bool = False,
) -> bytes:
    """Encode named float tensors (order kept) into one payload, values as exact fp32.

    Parameters
    ----------
    tensors:
        Floating-point tensors; any float dtype is converted to float32.
    masks:
        Optional bool (or 0/1) masks for some of ``tensors``. A masked tensor sends its mask
        and kept values (even at density 1); the others are sent dense.
    sparse:
        ``"auto"`` (per tensor the smaller of ``bitmap`` and ``gaps``) or one of them.
    known_masks:
        The receiver already holds ``masks``: send only kept values and a 12-byte check, and
        decode with ``decode(payload, known_masks=masks)``.
    """
    allowed = ["auto", *sparse_names()]
    if sparse not in allowed:
        raise ValueError(f"sparse must be one of {allowed}, got {sparse!r}")
    pipeline = Pipeline(mask="known" if known_masks else sparse)
    return encode_pipeline(tensors=tensors, masks=masks, pipeline=pipeline)


def decode(
    payload: bytes,
    *,
    max_elements: int = 1 << 27,
    known_masks: Mapping[str, torch.Tensor] | None = None,
) -> Decoded:
    """Decode a payload of any pipeline, or raise ``CodecError`` saying why it is not valid.

    Parameters
    ----------
    payload:
        Bytes from ``encode``/``encode_pipeline`` (or anything else: every byte string is
        handled).
    max_elements:
        Upper bound on the total number of elements the payload may declare; checked before
        anything is allocated. Decoding allocates O(max_elements) bytes at most.
    known_masks:
        The receiver's masks for tensors sent mask-known; a mask whose kept count (or
        positions) differ from the sender's raises ``CodecError``.
    """
    if max_elements < 0:
        raise ValueError(f"max_elements must be >= 0, got {max_elements}")
    known_masks = {} if known_masks is None else known_masks
    tensors: dict[str, torch.Tensor] = {}
    masks: dict[str, torch.Tensor] = {}
    for entry in read_frame(payload, max_elements=max_elements):
        known = known_masks.get(entry.name)
        if known is not None and tuple(known.shape) != entry.shape:
            raise CodecError(
                f"tensor {entry.name!r}: known mask has shape {tuple(known.shape)}, "
                f"the payload {entry.shape}"
            )
        flat_known = None if known is None else known.detach().cpu().bool().numpy().reshape(-1)
        try:
            values, mask = decode_tensor(entry, known=flat_known)
        except CodecError as exc:
            raise CodecError(f"tensor {entry.name!r}: {exc}") from None
        tensors[entry.name] = torch.from_numpy(values)
        if mask is not None:
            # A known mask comes back as given; copy it so the result does not alias the input.
            masks[entry.name] = torch.from_numpy(mask if known is None else mask.copy())
    return Decoded(tensors=tensors, masks=masks)
