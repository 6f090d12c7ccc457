"""The versioned wire format: header, tensor table, per-tensor bodies, CRC32."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import torch

from fedprune.codec.encodings import ENCODINGS, TensorEncoding, element_count, encoding_for_wire_id
from fedprune.codec.errors import CodecError

MAGIC = b"FPRN"
FORMAT_VERSION = 1
MAX_NDIM = 8
#: Which sparse encoding ``sparse="auto"`` picks for a masked tensor.
AUTO_SPARSE = "bitmap"

# Layout, all little-endian: magic, version, flags, tensor count | per tensor: u16 name length,
# UTF-8 name, u8 ndim, ndim x u32 dims, u8 encoding id, u64 body length | bodies | u32 CRC32
# of every byte before it.
_HEADER = struct.Struct("<4sBBI")
_U16 = struct.Struct("<H")
_U8 = struct.Struct("<B")
_ENTRY_TAIL = struct.Struct("<BQ")
_CRC = struct.Struct("<I")
_MIN_ENTRY = _U16.size + _U8.size + _ENTRY_TAIL.size
_U32_MAX = (1 << 32) - 1


@dataclass(frozen=True)
class Decoded:
    """What a payload carried.

    Attributes
    ----------
    tensors:
        float32 tensors of the declared shapes, in payload order, zeros at pruned positions.
    masks:
        bool masks, only for the tensors that were sent with a sparse encoding.
    """

    tensors: dict[str, torch.Tensor]
    masks: dict[str, torch.Tensor]


def encode(
    *,
    tensors: Mapping[str, torch.Tensor],
    masks: Mapping[str, torch.Tensor] | None = None,
    sparse: str = "auto",
) -> bytes:
    """Encode named float tensors (order kept) into one payload.

    Parameters
    ----------
    tensors:
        Floating-point tensors; any float dtype is converted to float32.
    masks:
        Optional bool (or 0/1) masks for some of ``tensors``. A masked tensor is sent with a
        sparse encoding (mask plus kept values, even at density 1); the others are sent dense.
    sparse:
        ``"auto"`` or the name of a sparse (mask-carrying) encoding, e.g. ``"bitmap"``.
    """
    masks = {} if masks is None else masks
    unknown = [name for name in masks if name not in tensors]
    if unknown:
        raise ValueError(f"masks given for tensors that are not sent: {unknown}")
    sparse_encoding = _sparse_encoding(sparse)
    dense_encoding = ENCODINGS.get("dense")()
    table = [_HEADER.pack(MAGIC, FORMAT_VERSION, 0, len(tensors))]
    bodies = []
    for name, tensor in tensors.items():
        values = _as_float32(name, tensor)
        mask = masks.get(name)
        encoding = dense_encoding if mask is None else sparse_encoding
        body = encoding.encode(values, None if mask is None else _as_mask(name, mask, tensor))
        table.append(_table_entry(name, values.shape, encoding.wire_id, len(body)))
        bodies.append(body)
    payload = b"".join(table + bodies)
    return payload + _CRC.pack(zlib.crc32(payload))


def decode(payload: bytes, *, max_elements: int = 1 << 27) -> Decoded:
    """Decode a payload, or raise ``CodecError`` saying why it is not a valid one.

    Parameters
    ----------
    payload:
        Bytes from ``encode`` (or anything else: every byte string is handled).
    max_elements:
        Upper bound on the total number of elements the payload may declare; checked before
        anything is allocated.
    """
    if max_elements < 0:
        raise ValueError(f"max_elements must be >= 0, got {max_elements}")
    view = memoryview(payload).cast("B")
    smallest = _HEADER.size + _CRC.size
    if len(view) < smallest:
        raise CodecError(f"truncated payload: {len(view)} bytes, a valid one has >= {smallest}")
    magic, version, flags, count = _HEADER.unpack_from(view, 0)
    if magic != MAGIC:
        raise CodecError(f"bad magic {bytes(magic)!r}, expected {MAGIC!r}")
    if version != FORMAT_VERSION:
        raise CodecError(f"unsupported format version {version}; this build reads {FORMAT_VERSION}")
    (expected_crc,) = _CRC.unpack_from(view, len(view) - _CRC.size)
    if zlib.crc32(view[: -_CRC.size]) != expected_crc:
        raise CodecError("CRC mismatch: the payload is corrupted or truncated")
    if flags != 0:
        raise CodecError(f"unsupported flags {flags:#04x} for format version {version}")
    reader = _Reader(view[_HEADER.size : -_CRC.size])
    if count * _MIN_ENTRY > reader.remaining:
        raise CodecError(f"truncated tensor table: {count} tensors declared")
    entries = _read_table(reader, count, max_elements)
    body_total = sum(body_len for *_, body_len in entries)
    if body_total > reader.remaining:
        raise CodecError(f"truncated bodies: table declares {body_total} bytes")
    if body_total < reader.remaining:
        raise CodecError(f"{reader.remaining - body_total} trailing bytes after the last body")
    tensors: dict[str, torch.Tensor] = {}
    masks: dict[str, torch.Tensor] = {}
    for name, shape, encoding, body_len in entries:
        values, mask = encoding.decode(reader.take(body_len, f"body of {name!r}"), shape)
        tensors[name] = torch.from_numpy(values)
        if mask is not None:
            masks[name] = torch.from_numpy(mask)
    return Decoded(tensors=tensors, masks=masks)


class _Reader:
    """Reads a memoryview front to back; running short raises ``CodecError``."""

    def __init__(self, view: memoryview) -> None:
        self._view = view
        self._pos = 0

    @property
    def remaining(self) -> int:
        return len(self._view) - self._pos

    def take(self, n: int, what: str) -> memoryview:
        if n > self.remaining:
            raise CodecError(f"truncated {what}: needs {n} bytes, {self.remaining} left")
        self._pos += n
        return self._view[self._pos - n : self._pos]

    def unpack(self, fmt: struct.Struct, what: str) -> tuple[int, ...]:
        return fmt.unpack(self.take(fmt.size, what))


_Entry = tuple[str, tuple[int, ...], TensorEncoding, int]


def _read_table(reader: _Reader, count: int, max_elements: int) -> list[_Entry]:
    entries: list[_Entry] = []
    seen: set[str] = set()
    total = 0
    for i in range(count):
        where = f"tensor table entry {i}"
        (name_len,) = reader.unpack(_U16, where)
        try:
            name = bytes(reader.take(name_len, where)).decode("utf-8")
        except UnicodeDecodeError:
            raise CodecError(f"{where}: name is not valid UTF-8") from None
        if name in seen:
            raise CodecError(f"{where}: duplicate tensor name {name!r}")
        seen.add(name)
        (ndim,) = reader.unpack(_U8, where)
        if ndim > MAX_NDIM:
            raise CodecError(f"{where}: ndim {ndim} exceeds {MAX_NDIM}")
        shape = struct.unpack(f"<{ndim}I", reader.take(4 * ndim, where))
        total += element_count(shape)
        if total > max_elements:
            raise CodecError(f"{where}: payload declares over max_elements={max_elements}")
        wire_id, body_len = reader.unpack(_ENTRY_TAIL, where)
        encoding = encoding_for_wire_id(wire_id)
        if encoding is None:
            raise CodecError(f"{where}: unknown encoding id {wire_id}")
        entries.append((name, shape, encoding(), body_len))
    return entries


def _sparse_encoding(sparse: str) -> TensorEncoding:
    allowed = ["auto", *(n for n in ENCODINGS.names() if ENCODINGS.get(n).carries_mask)]
    if sparse not in allowed:
        raise ValueError(f"sparse must be one of {allowed}, got {sparse!r}")
    return ENCODINGS.get(AUTO_SPARSE if sparse == "auto" else sparse)()


def _as_float32(name: str, tensor: torch.Tensor) -> np.ndarray:
    if not isinstance(tensor, torch.Tensor):
        raise TypeError(f"tensor {name!r} must be a torch.Tensor, got {type(tensor).__name__}")
    if tensor.is_complex() or not tensor.is_floating_point():
        raise ValueError(
            f"tensor {name!r} must be a real floating-point tensor, not {tensor.dtype}"
        )
    return tensor.detach().to(device="cpu", dtype=torch.float32).contiguous().numpy()


def _as_mask(name: str, mask: torch.Tensor, tensor: torch.Tensor) -> np.ndarray:
    if not isinstance(mask, torch.Tensor):
        raise TypeError(f"mask {name!r} must be a torch.Tensor, got {type(mask).__name__}")
    if mask.shape != tensor.shape:
        raise ValueError(
            f"mask {name!r} has shape {tuple(mask.shape)}, tensor {tuple(tensor.shape)}"
        )
    mask = mask.detach().cpu()
    if mask.dtype != torch.bool and not bool(((mask == 0) | (mask == 1)).all()):
        raise ValueError(f"mask {name!r} must be bool or hold only 0 and 1")
    return mask.to(torch.bool).contiguous().numpy()


def _table_entry(name: str, shape: tuple[int, ...], wire_id: int, body_len: int) -> bytes:
    raw = name.encode("utf-8") if isinstance(name, str) else None
    if raw is None or len(raw) > 0xFFFF:
        raise ValueError(f"tensor name must be a str of at most 65535 UTF-8 bytes: {name!r:.80}")
    if len(shape) > MAX_NDIM:
        raise ValueError(f"tensor {name!r} has {len(shape)} dims; the wire allows {MAX_NDIM}")
    if any(d > _U32_MAX for d in shape):
        raise ValueError(f"tensor {name!r} has a dim over {_U32_MAX}: {shape}")
    return (
        _U16.pack(len(raw))
        + raw
        + _U8.pack(len(shape))
        + struct.pack(f"<{len(shape)}I", *shape)
        + _ENTRY_TAIL.pack(wire_id, body_len)
    )
