"""Mask encodings through the wire: exact gaps, the auto choice, and mask-known mode."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from fedprune.codec import CodecError, decode, encode
from fedprune.codec.frame import read_frame


def mask_of(density: float, n: int = 100_000, seed: int = 0) -> torch.Tensor:
    return torch.rand(n, generator=torch.Generator().manual_seed(seed)) < density


def chosen_mask_encoding(payload: bytes) -> str:
    return read_frame(payload, max_elements=1 << 30)[0].mask.name


@settings(max_examples=80, deadline=None)
@given(mask=arrays(np.bool_, st.integers(0, 300)))
def test_gaps_round_trip_is_exact(mask: np.ndarray) -> None:
    t = torch.arange(mask.size, dtype=torch.float32) + 1
    m = torch.from_numpy(mask)

    out = decode(encode(tensors={"w": t}, masks={"w": m}, sparse="gaps"))

    assert torch.equal(out.masks["w"], m)
    assert torch.equal(out.tensors["w"], torch.where(m, t, torch.zeros(())))


@pytest.mark.parametrize(("density", "expected"), [(0.01, "gaps"), (0.5, "bitmap")])
def test_auto_picks_gaps_when_sparse_and_bitmap_when_half_full(
    density: float, expected: str
) -> None:
    mask = mask_of(density)
    t = torch.ones(mask.shape)

    auto = encode(tensors={"w": t}, masks={"w": mask})
    sizes = {
        s: len(encode(tensors={"w": t}, masks={"w": mask}, sparse=s)) for s in ("bitmap", "gaps")
    }

    assert chosen_mask_encoding(auto) == expected
    assert len(auto) == min(sizes.values())


def test_gaps_at_one_percent_is_near_the_mask_entropy() -> None:
    mask = mask_of(0.01)
    t = torch.zeros(mask.shape)
    p = float(mask.float().mean())
    entropy_bytes = mask.numel() * -(p * np.log2(p) + (1 - p) * np.log2(1 - p)) / 8
    values_bytes = 4 * int(mask.sum())

    payload = encode(tensors={"w": t}, masks={"w": mask}, sparse="gaps")

    mask_bytes = len(payload) - values_bytes - len(encode(tensors={"w": torch.zeros(0)}))
    assert mask_bytes < 1.02 * entropy_bytes


def test_mask_known_sends_only_values_and_returns_the_receivers_mask() -> None:
    mask = mask_of(0.1, n=1000)
    t = torch.randn(1000, generator=torch.Generator().manual_seed(1))

    payload = encode(tensors={"w": t}, masks={"w": mask}, known_masks=True)
    out = decode(payload, known_masks={"w": mask})

    explicit = encode(tensors={"w": t}, masks={"w": mask})
    assert len(payload) == len(explicit) - len(explicit_mask_section(explicit)) + 12
    assert torch.equal(out.masks["w"], mask)
    assert torch.equal(out.tensors["w"], torch.where(mask, t, torch.zeros(())))


def explicit_mask_section(payload: bytes) -> bytes:
    entry = read_frame(payload, max_elements=1 << 30)[0]
    return bytes(entry.body[: len(entry.body) - 4 * 100]) if entry.mask.name else b""


def test_mask_known_refuses_a_receiver_mask_with_another_count() -> None:
    mask = mask_of(0.1, n=1000)
    payload = encode(tensors={"w": torch.ones(1000)}, masks={"w": mask}, known_masks=True)
    other = mask.clone()
    other[int(torch.nonzero(~mask)[0])] = True

    with pytest.raises(CodecError, match=r"keeps 101 values, the sender's kept 100"):
        decode(payload, known_masks={"w": other})


def test_mask_known_refuses_same_count_other_positions_missing_and_misshapen() -> None:
    mask = torch.tensor([True, False, True, False])
    payload = encode(tensors={"w": torch.ones(4)}, masks={"w": mask}, known_masks=True)

    with pytest.raises(CodecError, match="other positions"):
        decode(payload, known_masks={"w": torch.tensor([False, True, True, False])})
    with pytest.raises(CodecError, match="pass its mask in known_masks"):
        decode(payload)
    with pytest.raises(CodecError, match="shape"):
        decode(payload, known_masks={"w": torch.ones(2, 2, dtype=torch.bool)})
