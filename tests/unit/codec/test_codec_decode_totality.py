"""decode is total: every byte string decodes or raises CodecError with a reason."""

from __future__ import annotations

import contextlib
import struct
import time
import tracemalloc
import zlib

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from fedprune.codec import CodecError, decode, encode

# (mask encoding, value encoding, entropy coder) ids
DENSE, BITMAP = (1, 1, 1), (2, 1, 1)

Entry = tuple[bytes, tuple[int, ...], tuple[int, int, int], int]


def build(
    entries: list[Entry],
    bodies: list[bytes],
    *,
    magic: bytes = b"FPRN",
    version: int = 2,
    flags: int = 0,
    count: int | None = None,
    tail: bytes = b"",
) -> bytes:
    """A payload written from the format's description, with a correct CRC."""
    out = struct.pack("<4sBBI", magic, version, flags, len(entries) if count is None else count)
    for name, dims, ids, body_len in entries:
        out += struct.pack("<H", len(name)) + name + struct.pack("<B", len(dims))
        out += struct.pack(f"<{len(dims)}I", *dims) + struct.pack("<BBBQ", *ids, body_len)
    out += b"".join(bodies) + tail
    return out + struct.pack("<I", zlib.crc32(out))


def with_fixed_crc(payload: bytes) -> bytes:
    body = payload[:-4]
    return body + struct.pack("<I", zlib.crc32(body))


def fp32(*values: float) -> bytes:
    return struct.pack(f"<{len(values)}f", *values)


@pytest.fixture(scope="module")
def valid_payload() -> bytes:
    gen = torch.Generator().manual_seed(0)
    tensors = {
        "conv.weight": torch.randn(2, 3, 3, generator=gen),
        "conv.bias": torch.randn(2, generator=gen),
        "scale": torch.tensor(0.5),
        "empty": torch.zeros(0, 4),
    }
    masks = {"conv.weight": torch.rand(2, 3, 3, generator=gen) > 0.6}
    return encode(tensors=tensors, masks=masks)


def test_builder_matches_encoder_byte_for_byte() -> None:
    mask = torch.tensor([True, False, True])
    t = torch.tensor([1.0, 2.0, 3.0])

    payload = encode(tensors={"d": t, "s": t}, masks={"s": mask})

    expected = build(
        [(b"d", (3,), DENSE, 12), (b"s", (3,), BITMAP, 9)],
        [fp32(1.0, 2.0, 3.0), bytes([0b101]) + fp32(1.0, 3.0)],
    )
    assert payload == expected


GOOD_DENSE: Entry = (b"w", (2,), DENSE, 8)

MALFORMED = {
    "bad magic": (build([GOOD_DENSE], [fp32(1, 2)], magic=b"FPRM"), "bad magic"),
    "version": (build([GOOD_DENSE], [fp32(1, 2)], version=3), "unsupported format version 3"),
    "version 1": (build([GOOD_DENSE], [fp32(1, 2)], version=1), "unsupported format version 1"),
    "flags": (build([GOOD_DENSE], [fp32(1, 2)], flags=1), "unsupported flags"),
    "crc": (build([GOOD_DENSE], [fp32(1, 2)])[:-1] + b"\x00", "CRC mismatch"),
    "too short": (b"FPRN\x01", "truncated payload"),
    "mask id 0": (build([(b"w", (2,), (0, 1, 1), 8)], [fp32(1, 2)]), "mask encoding id 0"),
    "value id 77": (build([(b"w", (2,), (1, 77, 1), 8)], [fp32(1, 2)]), "value encoding id 77"),
    "entropy id 9": (build([(b"w", (2,), (1, 1, 9), 8)], [fp32(1, 2)]), "entropy coder id 9"),
    "dense length": (build([(b"w", (3,), DENSE, 8)], [fp32(1, 2)]), "'w': truncated symbols"),
    "dense trailing": (build([(b"w", (1,), DENSE, 8)], [fp32(1, 2)]), "4 trailing bytes"),
    "popcount": (
        build([(b"w", (3,), BITMAP, 9)], [bytes([0b111]) + fp32(1, 2)]),
        "truncated symbols: needs 12",
    ),
    "padding bits": (
        build([(b"w", (3,), BITMAP, 9)], [bytes([0b1001]) + fp32(1, 2)]),
        "padding bits",
    ),
    "bitmap short": (build([(b"w", (9,), BITMAP, 1)], [b"\x00"]), "truncated bitmap mask"),
    "duplicate": (build([GOOD_DENSE, GOOD_DENSE], [fp32(1, 2), fp32(3, 4)]), "duplicate"),
    "non-utf8": (build([(b"\xff\xfe", (2,), DENSE, 8)], [fp32(1, 2)]), "UTF-8"),
    "ndim": (build([(b"w", (1,) * 9, DENSE, 4)], [fp32(1)]), "ndim 9 exceeds 8"),
    "count": (build([GOOD_DENSE], [fp32(1, 2)], count=1000), "truncated tensor table"),
    "table cut": (build([], [b"\x20\x00" + b"a" * 12], count=1), "truncated tensor table entry 0"),
    "body cut": (build([(b"w", (2,), DENSE, 8)], [fp32(1)]), "truncated bodies"),
    "trailing": (build([GOOD_DENSE], [fp32(1, 2)], tail=b"\x00"), "1 trailing bytes"),
}


@pytest.mark.parametrize(("payload", "reason"), MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_payloads_raise_codec_error_with_reason(payload: bytes, reason: str) -> None:
    with pytest.raises(CodecError, match=reason):
        decode(payload)


def test_max_elements_bounds_the_total_over_all_tensors() -> None:
    payload = build([(b"a", (10,), DENSE, 40), (b"b", (10,), DENSE, 40)], [fp32(*[0] * 10)] * 2)

    assert set(decode(payload, max_elements=20).tensors) == {"a", "b"}
    with pytest.raises(CodecError, match="max_elements=19"):
        decode(payload, max_elements=19)


@pytest.mark.parametrize(
    ("ids", "body_len", "max_elements", "reason"),
    [
        (DENSE, 1 << 42, 1 << 27, "max_elements"),
        (DENSE, 1 << 42, 1 << 62, "truncated bodies"),
        (DENSE, 0, 1 << 62, "truncated symbols"),
        (BITMAP, 0, 1 << 62, "truncated bitmap mask"),
        ((3, 4, 3), 0, 1 << 62, "truncated gaps header"),
        ((1, 1, 2), 0, 1 << 62, "zstd: bad frame header"),
    ],
)
def test_huge_declared_tensor_fails_fast_without_allocating(
    ids: tuple[int, int, int], body_len: int, max_elements: int, reason: str
) -> None:
    payload = build([(b"w", (1 << 20, 1 << 20), ids, body_len)], [])
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(CodecError, match=reason):
            decode(payload, max_elements=max_elements)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert time.perf_counter() - start < 1.0
    assert peak < 1 << 20


def test_every_truncation_raises(valid_payload: bytes) -> None:
    for cut in range(len(valid_payload)):
        with pytest.raises(CodecError):
            decode(valid_payload[:cut])


def test_every_truncation_raises_even_with_a_recomputed_crc(valid_payload: bytes) -> None:
    body = valid_payload[:-4]
    for cut in range(len(body)):
        with pytest.raises(CodecError):
            decode(body[:cut] + struct.pack("<I", zlib.crc32(body[:cut])))


def test_every_single_bit_flip_raises(valid_payload: bytes) -> None:
    for bit in range(8 * len(valid_payload)):
        corrupted = bytearray(valid_payload)
        corrupted[bit // 8] ^= 1 << (bit % 8)
        with pytest.raises(CodecError):
            decode(bytes(corrupted))


def test_bit_flips_behind_a_recomputed_crc_decode_or_raise_codec_error(
    valid_payload: bytes,
) -> None:
    raised = 0
    for bit in range(8 * (len(valid_payload) - 4)):
        corrupted = bytearray(valid_payload)
        corrupted[bit // 8] ^= 1 << (bit % 8)
        try:
            decode(with_fixed_crc(bytes(corrupted)), max_elements=1 << 16)
        except CodecError:
            raised += 1
    # Flips in fp32 values decode fine; flips in the header and table must not.
    assert 0 < raised < 8 * (len(valid_payload) - 4)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=120))
def test_random_bytes_decode_or_raise_codec_error(data: bytes) -> None:
    with contextlib.suppress(CodecError):
        decode(data)


@settings(max_examples=300, deadline=None)
@given(count=st.integers(0, 4), rest=st.binary(max_size=120))
def test_random_tables_behind_a_valid_header_and_crc_decode_or_raise(
    count: int, rest: bytes
) -> None:
    payload = with_fixed_crc(struct.pack("<4sBBI", b"FPRN", 2, 0, count) + rest + b"\0" * 4)
    try:
        out = decode(payload, max_elements=1 << 16)
    except CodecError:
        return
    assert len(out.tensors) == count
