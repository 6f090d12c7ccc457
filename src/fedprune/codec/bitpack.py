"""Fixed-width packing of unsigned integers, least significant bit first."""

from __future__ import annotations

from typing import Any

import numpy as np

from fedprune.codec.errors import CodecError

_WORD: dict[int, np.dtype[Any]] = {8: np.dtype("<u1"), 16: np.dtype("<u2"), 32: np.dtype("<u4")}


def pack_bits(values: np.ndarray, width: int) -> bytes:
    """Pack ``values`` (unsigned, each < 2**width, width <= 32) into ``ceil(n*width/8)`` bytes."""
    if width in _WORD:
        return np.ascontiguousarray(values, dtype=_WORD[width]).tobytes()
    if width == 0 or values.size == 0:
        return b""
    word = _word_for(width)
    as_bytes = np.ascontiguousarray(values, dtype=_WORD[word]).view(np.uint8)
    bits = np.unpackbits(as_bytes.reshape(-1, word // 8), axis=1, bitorder="little")
    return np.packbits(bits[:, :width].reshape(-1), bitorder="little").tobytes()


def unpack_bits(buf: memoryview | bytes, *, count: int, width: int) -> np.ndarray:
    """Inverse of ``pack_bits``: ``count`` values from exactly ``packed_size`` bytes.

    Padding bits past the last value must be zero.
    """
    need = packed_size(count, width)
    if len(buf) != need:
        raise CodecError(f"{count} values of {width} bits need {need} bytes, got {len(buf)}")
    if width in _WORD:
        return np.frombuffer(buf, dtype=_WORD[width]).copy()
    if width == 0 or count == 0:
        return np.zeros(count, dtype=np.uint8)
    raw = np.frombuffer(buf, dtype=np.uint8)
    used = count * width
    if used % 8 and int(raw[-1]) >> (used % 8):
        raise CodecError("padding bits are set")
    bits = np.unpackbits(raw, count=used, bitorder="little").reshape(count, width)
    out = np.zeros(count, dtype=np.uint32)
    for j in range(width):  # one vector op per bit position, not per value
        out |= bits[:, j].astype(np.uint32) << np.uint32(j)
    return out


def packed_size(count: int, width: int) -> int:
    """Bytes that ``count`` values of ``width`` bits take."""
    return (count * width + 7) // 8


def _word_for(width: int) -> int:
    if not 0 < width <= 32:
        raise ValueError(f"width must be 1..32 bits, got {width}")
    return 8 if width <= 8 else 16 if width <= 16 else 32
