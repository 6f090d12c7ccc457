"""Packed masks: one bit an entry, the same mask back, whatever its shape or layout."""

from __future__ import annotations

import torch
from hypothesis import given
from hypothesis import strategies as st

from fedprune.packed_mask import PackedMask


@given(st.lists(st.integers(1, 7), min_size=1, max_size=4), st.integers(0, 2**31 - 1))
def test_unpack_gives_back_the_mask(shape: list[int], seed: int) -> None:
    mask = torch.rand(shape, generator=torch.Generator().manual_seed(seed)) < 0.5

    packed = PackedMask.pack(mask)

    assert torch.equal(packed.unpack(), mask)
    assert packed.nbytes == (mask.numel() + 7) // 8


def test_a_channels_last_mask_packs_by_value() -> None:
    mask = torch.rand(2, 3, 4, 5, generator=torch.Generator().manual_seed(0)) < 0.3
    strided = mask.contiguous(memory_format=torch.channels_last)

    assert torch.equal(PackedMask.pack(strided).unpack(), mask)
    assert PackedMask.pack(strided).bits.tobytes() == PackedMask.pack(mask).bits.tobytes()
