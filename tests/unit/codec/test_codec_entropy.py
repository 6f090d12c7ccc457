"""Entropy coders: lossless, chosen per tensor, the choice recorded in the table."""

from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from fedprune.codec import CodecError, decode, encode_pipeline
from fedprune.codec.entropy.zstd import ZstdCoder, ZstdSplitCoder
from fedprune.codec.frame import read_frame
from fedprune.codec.masks import encode_auto
from fedprune.codec.values import VALUES, Channels, ValueSpec


def coders_used(payload: bytes) -> dict[str, str]:
    return {e.name: e.entropy.name for e in read_frame(payload, max_elements=1 << 30)}


@settings(max_examples=60, deadline=None)
@given(
    symbols=st.lists(st.integers(-7, 7), max_size=400),
    pipeline=st.sampled_from(["int4+ans", "int4+zstd", "int4"]),
)
def test_coders_are_lossless_on_quantised_symbols(symbols: list[int], pipeline: str) -> None:
    # Values on the int4 grid of scale 1 (max |x| = 7) quantise exactly.
    t = torch.tensor([*symbols, 7.0], dtype=torch.float32)

    out = decode(encode_pipeline(tensors={"w": t}, pipeline=pipeline)).tensors["w"]

    assert torch.equal(out, t)


@settings(max_examples=40, deadline=None)
@given(data=st.binary(max_size=2000))
def test_zstd_is_bitwise_lossless_on_fp32(data: bytes) -> None:
    raw = np.frombuffer(data[: len(data) // 4 * 4], dtype="<f4").copy()
    t = torch.from_numpy(raw)

    out = decode(encode_pipeline(tensors={"w": t}, pipeline="fp32+zstd")).tensors["w"]

    assert torch.equal(out.view(torch.int32), t.view(torch.int32))


def test_each_tensor_gets_its_smallest_coder() -> None:
    gen = torch.Generator().manual_seed(0)
    tensors = {
        "gauss": torch.randn(50_000, generator=gen),  # 15 skewed symbols: ANS beats Huffman
        "zeros": torch.zeros(20_000),  # one symbol: anything but raw
        "tiny": torch.tensor([1.0]),  # headers dominate: raw wins
    }

    payload = encode_pipeline(tensors=tensors, pipeline="int4+zstd")

    used = coders_used(payload)
    assert used == {"gauss": "ans", "zeros": "ans", "tiny": "raw"}
    sizes = {
        p: len(encode_pipeline(tensors={"g": tensors["gauss"]}, pipeline=p))
        for p in ("int4", "int4+ans")
    }
    assert sizes["int4+ans"] < 0.7 * sizes["int4"]


def test_zstd_wins_on_repetitive_fp32_and_ans_is_not_offered_for_floats() -> None:
    t = torch.arange(8, dtype=torch.float32).repeat(5000)

    payload = encode_pipeline(tensors={"w": t}, pipeline="fp16+zstd")

    assert coders_used(payload) == {"w": "zstd"}
    assert len(payload) < 1000
    with pytest.raises(ValueError, match="ans codes quantised values"):
        encode_pipeline(tensors={"w": t}, pipeline="fp16+ans")


def test_ans_is_near_the_empirical_entropy() -> None:
    t = torch.randn(100_000, generator=torch.Generator().manual_seed(1))
    q = torch.round(t / (t.abs().max() / 127)).to(torch.int64)
    p = torch.bincount(q + 127).double() / q.numel()
    entropy_bytes = float(-(p[p > 0] * p[p > 0].log2()).sum()) * q.numel() / 8

    payload = encode_pipeline(tensors={"w": t}, pipeline="int8+ans")

    assert len(payload) < 1.01 * entropy_bytes


@pytest.mark.parametrize("pipeline", ["int8+ans", "ternary+zstd", "int4(channel)+ans"])
def test_quantised_coders_handle_nothing_kept(pipeline: str) -> None:
    tensors = {"empty": torch.zeros(0, 3), "pruned": torch.ones(2, 3)}
    masks = {"pruned": torch.zeros(2, 3, dtype=torch.bool)}

    out = decode(encode_pipeline(tensors=tensors, masks=masks, pipeline=pipeline))

    assert out.tensors["empty"].shape == (0, 3)
    assert torch.equal(out.tensors["pruned"], torch.zeros(2, 3))


def test_sparse_int8_gets_zstd_over_separate_frames_near_the_entropy() -> None:
    t = torch.randn(100_000, generator=torch.Generator().manual_seed(2))
    mask = (t.abs() > 1.645).numpy()  # about 10 % kept: a gap-coded mask
    _, section = encode_auto(mask)
    spec = ValueSpec.parse("int8")
    symbols = VALUES.get("int")().encode(
        t.numpy()[mask], channels=Channels((t.numel(),), mask), spec=spec, rng=None
    )
    head, packed = section + symbols.side, symbols.offsets.tobytes()
    counts = np.bincount(symbols.offsets)
    counts = counts[counts > 0]
    bound = len(head) + float(-(counts * np.log2(counts / counts.sum())).sum()) / 8

    payload = encode_pipeline(
        tensors={"w": t}, masks={"w": torch.from_numpy(mask)}, pipeline="int8+zstd"
    )

    assert coders_used(payload) == {"w": "zstd-split"}
    (entry,) = read_frame(payload, max_elements=t.numel())
    one_frame = ZstdCoder().encode(head=head, symbols=symbols, packed=packed)
    assert len(entry.body) < 0.95 * len(one_frame)  # measured: 13,513 against 14,516 bytes
    assert len(entry.body) < 1.02 * bound  # measured: 1.012


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"\x01\x00", "shorter than its frame length"),
        (struct.pack("<I", 99) + b"\x00" * 10, "overruns the body"),
        (struct.pack("<I", 0), "bad frame header"),
    ],
)
def test_malformed_split_bodies_raise_codec_errors(body: bytes, reason: str) -> None:
    with pytest.raises(CodecError, match=reason):
        ZstdSplitCoder().unwrap(memoryview(body), limit=1000)


def test_split_frames_together_may_not_exceed_the_limit() -> None:
    coder = ZstdSplitCoder()
    body = coder._compressor.compress(b"h" * 600)
    body = struct.pack("<I", len(body)) + body + coder._compressor.compress(b"s" * 600)

    assert bytes(coder.unwrap(memoryview(body), limit=1200)) == b"h" * 600 + b"s" * 600
    with pytest.raises(CodecError, match="the tensor allows 599"):
        coder.unwrap(memoryview(body), limit=1199)


def _split_sample() -> bytes:
    t = torch.randn(4000, generator=torch.Generator().manual_seed(3))
    payload = encode_pipeline(tensors={"w": t}, masks={"w": t.abs() > 0.5}, pipeline="int8+zstd")
    assert coders_used(payload) == {"w": "zstd-split"}
    return payload


SPLIT = _split_sample()


@settings(max_examples=400, deadline=None)
@given(at=st.integers(0, len(SPLIT) - 5), byte=st.integers(0, 255), cut=st.booleans())
def test_mutated_split_bodies_decode_or_raise_codec_error(at: int, byte: int, cut: bool) -> None:
    body = SPLIT[:-4]
    body = body[:at] if cut else body[:at] + bytes([byte]) + body[at + 1 :]
    payload = body + struct.pack("<I", zlib.crc32(body))  # past the CRC, into the frames

    try:
        out = decode(payload, max_elements=4000)
    except CodecError:
        return
    assert sum(t.numel() for t in out.tensors.values()) <= 4000  # e.g. a renamed tensor
