"""The versioned frame: header, tensor table, bodies, CRC32; sizes checked before any body."""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass

# ISA-L's CRC-32 is zlib's (same polynomial, same values: the wire format is unchanged) at
# about 5x the speed, which matters for multi-MB model payloads on every client and round.
from isal.isal_zlib import crc32

from fedprune.codec.entropy import ENTROPY, EntropyCoder
from fedprune.codec.errors import CodecError
from fedprune.codec.masks import MASKS, MaskEncoding
from fedprune.codec.reader import Reader
from fedprune.codec.values import VALUES, ValueEncoding

MAGIC = b"FPRN"
FORMAT_VERSION = 2
MAX_NDIM = 8

# Layout, all little-endian: magic, version, flags, tensor count | per tensor: u16 name length,
# UTF-8 name, u8 ndim, ndim x u32 dims, u8 mask encoding id, u8 value encoding id, u8 entropy
# coder id, u64 body length | bodies | u32 CRC32 of every byte before it.
_HEADER = struct.Struct("<4sBBI")
_U16 = struct.Struct("<H")
_U8 = struct.Struct("<B")
_ENTRY_TAIL = struct.Struct("<BBBQ")
_CRC = struct.Struct("<I")
_MIN_ENTRY = _U16.size + _U8.size + _ENTRY_TAIL.size
_U32_MAX = (1 << 32) - 1


@dataclass(frozen=True)
class Entry:
    """One table entry with its stages looked up and its body sliced out."""

    name: str
    shape: tuple[int, ...]
    mask: MaskEncoding
    values: ValueEncoding
    entropy: EntropyCoder
    body: memoryview


def write_frame(entries: list[tuple[str, tuple[int, ...], tuple[int, int, int], bytes]]) -> bytes:
    """Frame ``(name, shape, (mask id, value id, entropy id), body)`` entries, in order."""
    parts = [_HEADER.pack(MAGIC, FORMAT_VERSION, 0, len(entries))]
    parts += [_table_entry(name, shape, ids, len(body)) for name, shape, ids, body in entries]
    parts += [body for *_, body in entries]
    crc = 0
    for part in parts:  # the CRC runs over the parts, so the payload is copied once, by join
        crc = crc32(part, crc)
    return b"".join([*parts, _CRC.pack(crc)])


def read_frame(payload: bytes | memoryview, *, max_elements: int) -> list[Entry]:
    """Check magic, version, CRC, flags and table; raise ``CodecError`` saying what is wrong."""
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
    if crc32(view[: -_CRC.size]) != expected_crc:
        raise CodecError("CRC mismatch: the payload is corrupted or truncated")
    if flags != 0:
        raise CodecError(f"unsupported flags {flags:#04x} for format version {version}")
    reader = Reader(view[_HEADER.size : -_CRC.size])
    if count * _MIN_ENTRY > reader.remaining:
        raise CodecError(f"truncated tensor table: {count} tensors declared")
    table = _read_table(reader, count, max_elements)
    body_total = sum(body_len for *_, body_len in table)
    if body_total > reader.remaining:
        raise CodecError(f"truncated bodies: table declares {body_total} bytes")
    if body_total < reader.remaining:
        raise CodecError(f"{reader.remaining - body_total} trailing bytes after the last body")
    return [
        Entry(name, shape, m, v, e, reader.take(body_len, f"body of {name!r}"))
        for name, shape, m, v, e, body_len in table
    ]


_Row = tuple[str, tuple[int, ...], MaskEncoding, ValueEncoding, EntropyCoder, int]


def _read_table(reader: Reader, count: int, max_elements: int) -> list[_Row]:
    rows: list[_Row] = []
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
        total += math.prod(shape)
        if total > max_elements:
            raise CodecError(f"{where}: payload declares over max_elements={max_elements}")
        mask_id, value_id, entropy_id, body_len = reader.unpack(_ENTRY_TAIL, where)
        mask, values, entropy = (
            MASKS.by_id(mask_id),
            VALUES.by_id(value_id),
            ENTROPY.by_id(entropy_id),
        )
        if mask is None:
            raise CodecError(f"{where}: unknown mask encoding id {mask_id}")
        if values is None:
            raise CodecError(f"{where}: unknown value encoding id {value_id}")
        if entropy is None:
            raise CodecError(f"{where}: unknown entropy coder id {entropy_id}")
        rows.append((name, shape, mask(), values(), entropy(), body_len))
    return rows


def _table_entry(
    name: str, shape: tuple[int, ...], ids: tuple[int, int, int], body_len: int
) -> bytes:
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
        + _ENTRY_TAIL.pack(*ids, body_len)
    )
