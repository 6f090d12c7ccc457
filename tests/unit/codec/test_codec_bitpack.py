"""Fixed-width bit packing round trips and refuses set padding bits."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fedprune.codec import CodecError
from fedprune.codec.bitpack import pack_bits, packed_size, unpack_bits


@settings(max_examples=100, deadline=None)
@given(width=st.integers(0, 32), data=st.data())
def test_round_trip(width: int, data: st.DataObject) -> None:
    top = (1 << width) - 1
    values = np.array(data.draw(st.lists(st.integers(0, top), max_size=50)), dtype=np.uint64)

    packed = pack_bits(values, width)

    assert len(packed) == packed_size(values.size, width)
    assert unpack_bits(packed, count=values.size, width=width).tolist() == values.tolist()


def test_little_endian_bit_order() -> None:
    assert pack_bits(np.array([1, 2, 3], dtype=np.uint8), 2) == bytes([0b11_10_01])


def test_set_padding_bits_and_wrong_lengths_are_refused() -> None:
    with pytest.raises(CodecError, match="padding"):
        unpack_bits(bytes([0b0100_0000]), count=3, width=2)
    with pytest.raises(CodecError, match="need 1 bytes"):
        unpack_bits(b"\0\0", count=3, width=2)
