"""Message bytes: exact round trips, and truncated, garbled or forged bytes refused clearly."""

from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest

from fedprune.secagg.channel import CIPHERTEXT_BYTES
from fedprune.secagg.messages import (
    MAGIC,
    VERSION,
    AdvertiseKeys,
    KeyList,
    MaskedInput,
    SecAggError,
    ShareBundle,
    UnmaskRequest,
    UnmaskShares,
    parse,
)
from fedprune.secagg.shamir import ELEMENT_BYTES

ADVERT = AdvertiseKeys(cid=7, c_pk=bytes(range(32)), s_pk=bytes(range(32, 64)))
EXAMPLES = [
    ADVERT,
    KeyList(keys=(ADVERT, AdvertiseKeys(cid=2, c_pk=b"c" * 32, s_pk=b"s" * 32))),
    KeyList(keys=()),
    ShareBundle(cid=3, ciphertexts={1: b"x" * CIPHERTEXT_BYTES, 9: b"y" * CIPHERTEXT_BYTES}),
    MaskedInput(cid=4, bits=64, vector=np.array([0, 1, 2**64 - 1], dtype=np.uint64)),
    MaskedInput(cid=4, bits=32, vector=np.array([5, 2**32 - 1], dtype=np.uint32)),
    MaskedInput(cid=0, bits=64, vector=np.zeros(0, dtype=np.uint64)),
    UnmaskRequest(survivors=(1, 2, 5), dropped=(3,)),
    UnmaskShares(
        cid=2, b_shares={1: b"\x01" * ELEMENT_BYTES}, s_shares={3: b"\x02" * ELEMENT_BYTES}
    ),
]


def _frame(kind: int, body: bytes) -> bytes:
    head = struct.pack(">4sBB", MAGIC, VERSION, kind) + body
    return head + struct.pack(">I", zlib.crc32(head))


@pytest.mark.parametrize("message", EXAMPLES, ids=lambda m: type(m).__name__)
def test_round_trip_is_exact(message: object) -> None:
    data = message.to_bytes()  # type: ignore[attr-defined]
    assert type(message).from_bytes(data) == message
    assert parse(data) == message


def test_masked_input_size_is_header_plus_k_bits_per_entry() -> None:
    vector = np.arange(1000, dtype=np.uint64)
    assert len(MaskedInput(cid=1, bits=64, vector=vector).to_bytes()) == 6 + 9 + 8000 + 4
    small = vector.astype(np.uint32)
    assert len(MaskedInput(cid=1, bits=32, vector=small).to_bytes()) == 6 + 9 + 4000 + 4


@pytest.mark.parametrize("message", EXAMPLES, ids=lambda m: type(m).__name__)
def test_every_truncation_is_refused(message: object) -> None:
    data = message.to_bytes()  # type: ignore[attr-defined]
    for cut in range(len(data)):
        with pytest.raises(SecAggError, match=r"truncated|checksum"):
            type(message).from_bytes(data[:cut])


@pytest.mark.parametrize("message", EXAMPLES, ids=lambda m: type(m).__name__)
def test_every_changed_byte_is_refused(message: object) -> None:
    data = message.to_bytes()  # type: ignore[attr-defined]
    for pos in range(len(data)):
        bad = bytearray(data)
        bad[pos] ^= 0x5A
        with pytest.raises(SecAggError):
            type(message).from_bytes(bytes(bad))


def test_another_kind_of_message_is_refused() -> None:
    with pytest.raises(SecAggError, match="message kind 1, expected 4"):
        MaskedInput.from_bytes(ADVERT.to_bytes())


@pytest.mark.parametrize(
    ("data", "cls", "match"),
    [
        (b"XXXX" + bytes(10), AdvertiseKeys, "not a secure-aggregation message"),
        (_frame(1, ADVERT.body() + b"\x00"), AdvertiseKeys, "1 unexpected bytes"),
        (_frame(2, struct.pack(">I", 10**9)), KeyList, "declares 1000000000 entries"),
        (_frame(2, struct.pack(">I", 2) + ADVERT.body() * 2), KeyList, "names a client twice"),
        (_frame(4, struct.pack(">IBI", 1, 16, 0)), MaskedInput, "ring of 16 bits"),
        (
            _frame(6, struct.pack(">II", 1, 1) + struct.pack(">IB", 3, 2) + bytes(ELEMENT_BYTES)),
            UnmaskShares,
            "unknown share kind",
        ),
        (
            _frame(
                6,
                struct.pack(">II", 1, 2)
                + struct.pack(">IB", 3, 0)
                + bytes(ELEMENT_BYTES)
                + struct.pack(">IB", 3, 1)
                + bytes(ELEMENT_BYTES),
            ),
            UnmaskShares,
            "names an owner twice",
        ),
        (_frame(5, struct.pack(">II", 1, 4) + struct.pack(">II", 1, 4)), UnmaskRequest, "twice"),
    ],
)
def test_well_framed_but_invalid_bodies_are_refused(data: bytes, cls: type, match: str) -> None:
    with pytest.raises(SecAggError, match=match):
        cls.from_bytes(data)


def test_parse_refuses_unknown_kinds_and_versions() -> None:
    with pytest.raises(SecAggError, match="unknown message kind 99"):
        parse(_frame(99, b""))
    head = struct.pack(">4sBB", MAGIC, VERSION + 1, 1) + ADVERT.body()
    with pytest.raises(SecAggError, match="format version 2"):
        parse(head + struct.pack(">I", zlib.crc32(head)))


def test_a_wrong_vector_type_is_refused_when_sending() -> None:
    with pytest.raises(SecAggError, match="1-D uint64"):
        MaskedInput(cid=1, bits=64, vector=np.zeros(3)).to_bytes()
