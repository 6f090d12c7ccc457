"""Hand-made bad bodies for each stage raise CodecError saying what is wrong."""

from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest
import zstandard

from fedprune.codec import CodecError, decode

# (mask encoding, value encoding, entropy coder) ids
DENSE, BITMAP, GAPS = 1, 2, 3
FP32, INT, TERNARY = 1, 4, 5
RAW, ZSTD, ANS = 1, 2, 3


def payload(ids: tuple[int, int, int], body: bytes, dims: tuple[int, ...] = (4,)) -> bytes:
    out = struct.pack("<4sBBI", b"FPRN", 2, 0, 1)
    out += struct.pack("<H", 1) + b"w" + struct.pack("<B", len(dims))
    out += struct.pack(f"<{len(dims)}I", *dims) + struct.pack("<BBBQ", *ids, len(body))
    out += body
    return out + struct.pack("<I", zlib.crc32(out))


def scales(*values: float) -> bytes:
    return np.array(values, dtype="<f4").tobytes()


CASES = {
    "gaps count": ((GAPS, FP32, RAW), struct.pack("<BQQ", 0, 9, 9), "9 kept of 4"),
    "gaps k": ((GAPS, FP32, RAW), struct.pack("<BQQ", 40, 1, 1), "Rice parameter 40"),
    "gaps codes": ((GAPS, FP32, RAW), struct.pack("<BQQ", 0, 2, 3) + b"\x01", "holds 1 codes"),
    "gaps past end": (
        (GAPS, FP32, RAW),
        struct.pack("<BQQ", 0, 1, 5) + bytes([0b10000]) + scales(1.0),
        "exceeds the tensor|past the tensor",
    ),
    "int width": ((DENSE, INT, RAW), bytes([3]) + scales(1.0) + b"\0" * 4, "bit width 3"),
    "int flags": ((DENSE, INT, RAW), bytes([0x48]) + scales(1.0) + b"\0" * 4, "bit width 72"),
    "int nan": ((DENSE, INT, RAW), bytes([8]) + scales(float("nan")) + b"\0" * 4, "finite"),
    "int negative": ((DENSE, INT, RAW), bytes([8]) + scales(-1.0) + b"\0" * 4, "finite and >= 0"),
    "int overflow": ((DENSE, INT, RAW), bytes([8]) + scales(3e38) + b"\0" * 4, "overflows"),
    "int8 symbol": ((DENSE, INT, RAW), bytes([8]) + scales(1.0) + b"\0\0\0\xff", "symbol 255"),
    "int4 symbol": ((DENSE, INT, RAW), bytes([4]) + scales(1.0) + b"\x00\xf0", "symbol 15"),
    "ternary flags": ((DENSE, TERNARY, RAW), bytes([1]) + scales(1.0) + b"\0", "flag bits"),
    "ternary symbol": ((DENSE, TERNARY, RAW), bytes([0]) + scales(1.0) + b"\x03", "symbol 3"),
    "per channel short": ((DENSE, INT, RAW), bytes([0x88]) + scales(1.0), "truncated int values"),
    "ans width": (
        (DENSE, TERNARY, ANS),
        bytes([0]) + scales(1.0) + bytes([0b011, 40]),
        "frequency width 40",
    ),
    "ans on floats": ((DENSE, FP32, ANS), b"", "ans cannot code symbols of 32 bits"),
    "ans empty histogram": (
        (DENSE, INT, ANS),
        bytes([8]) + scales(1.0) + b"\0" * 32 + bytes([0]) + struct.pack("<I", 0),
        "histogram is empty",
    ),
    "ans zero frequency": (
        (DENSE, TERNARY, ANS),
        bytes([0]) + scales(1.0) + bytes([0b011, 1, 0b10]) + struct.pack("<I", 0),
        "frequencies must be >= 1",
    ),
    "ans words for one symbol": (
        (DENSE, TERNARY, ANS),
        bytes([0]) + scales(1.0) + bytes([0b001, 3, 0b100]) + struct.pack("<II", 1, 7),
        "single-symbol",
    ),
    "ans words missing": (
        (DENSE, TERNARY, ANS),
        bytes([0]) + scales(1.0) + bytes([0b011, 1, 0b11]) + struct.pack("<I", 9),
        "truncated ans words",
    ),
    "zstd garbage": ((DENSE, FP32, ZSTD), b"not zstd", "zstd"),
    "zstd no size": (
        (DENSE, FP32, ZSTD),
        zstandard.ZstdCompressor(write_content_size=False).compress(b"\0" * 16),
        "does not declare its content size",
    ),
    "zstd too big": (
        (DENSE, FP32, ZSTD),
        zstandard.ZstdCompressor().compress(b"\0" * 17),
        "declares 17 bytes, the tensor allows 16",
    ),
    "zstd trailing": (
        (DENSE, FP32, ZSTD),
        zstandard.ZstdCompressor().compress(b"\0" * 16) + b"x",
        "unused data",
    ),
    "zstd short inside": (
        (DENSE, FP32, ZSTD),
        zstandard.ZstdCompressor().compress(b"\0" * 12),
        "truncated symbols",
    ),
}


@pytest.mark.parametrize(("ids", "body", "reason"), CASES.values(), ids=CASES.keys())
def test_bad_stage_bodies_raise_codec_error(
    ids: tuple[int, int, int], body: bytes, reason: str
) -> None:
    with pytest.raises(CodecError, match=reason):
        decode(payload(ids, body))


def test_a_zstd_bomb_is_refused_before_decompressing() -> None:
    bomb = zstandard.ZstdCompressor().compress(b"\0" * (1 << 26))

    with pytest.raises(CodecError, match="the tensor allows"):
        decode(payload((DENSE, FP32, ZSTD), bomb, dims=(1000,)))
