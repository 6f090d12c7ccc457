"""Mutated payloads of every encoding decode or raise CodecError, nothing else."""

from __future__ import annotations

import struct
import zlib

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from fedprune.codec import CodecError, decode, encode_pipeline

PIPELINES = [
    "fp32",
    "fp16",
    "bf16",
    "bitmap+fp32",
    "gaps+fp32+zstd",
    "int8+zstd",
    "int4(channel)+ans",
    "int2(stochastic)+zstd",
    "ternary+ans",
    "topk(0.3)+int8+zstd",
    "mask-known+fp16+zstd",
    "mask-known+int8(channel)+ans",
]
MASK = torch.rand(6, 20, generator=torch.Generator().manual_seed(9)) < 0.3


def sample(pipeline: str) -> bytes:
    gen = torch.Generator().manual_seed(len(pipeline))
    tensors = {
        "w": torch.randn(6, 20, generator=gen),
        "b": torch.randn(6, generator=gen),
        "s": torch.tensor(0.5),
    }
    masks = None if pipeline.startswith("topk") else {"w": MASK}
    return encode_pipeline(tensors=tensors, masks=masks, pipeline=pipeline, rng=0)


SAMPLES = {p: sample(p) for p in PIPELINES}


@pytest.mark.parametrize("pipeline", PIPELINES)
def test_samples_decode(pipeline: str) -> None:
    out = decode(SAMPLES[pipeline], known_masks={"w": MASK})

    assert set(out.tensors) == {"w", "b", "s"}


def fix_crc(body: bytes) -> bytes:
    return body + struct.pack("<I", zlib.crc32(body))


MUTATIONS = ["flip", "set", "cut", "insert", "delete", "splice"]


@settings(max_examples=1500, deadline=None)
@given(
    pipeline=st.sampled_from(PIPELINES),
    other=st.sampled_from(PIPELINES),
    kind=st.sampled_from(MUTATIONS),
    at=st.integers(0, 10_000),
    to=st.integers(0, 10_000),
    byte=st.integers(0, 255),
    known=st.sampled_from(["right", "none", "wrong"]),
)
def test_mutated_payloads_decode_or_raise_codec_error(
    pipeline: str, other: str, kind: str, at: int, to: int, byte: int, known: str
) -> None:
    body = SAMPLES[pipeline][:-4]
    i = at % len(body)
    if kind == "flip":
        mutated = body[:i] + bytes([body[i] ^ (1 << (byte % 8))]) + body[i + 1 :]
    elif kind == "set":
        mutated = body[:i] + bytes([byte]) + body[i + 1 :]
    elif kind == "cut":
        mutated = body[:i]
    elif kind == "insert":
        mutated = body[:i] + bytes([byte]) * (1 + to % 9) + body[i:]
    elif kind == "delete":
        mutated = body[:i] + body[i + 1 + to % 9 :]
    else:
        donor = SAMPLES[other][:-4]
        mutated = body[:i] + donor[to % len(donor) :]
    masks = {"right": {"w": MASK}, "none": None, "wrong": {"w": ~MASK}}[known]
    try:
        out = decode(fix_crc(mutated), max_elements=1 << 12, known_masks=masks)
    except CodecError:
        return
    for name, t in out.tensors.items():
        assert t.dtype == torch.float32
        if name in out.masks:
            assert out.masks[name].shape == t.shape
