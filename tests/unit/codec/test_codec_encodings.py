"""The encoding registry and each encoding's body layout."""

from __future__ import annotations

import numpy as np
import pytest

from fedprune.codec import ENCODINGS, CodecError, TensorEncoding, register_encoding
from fedprune.codec.encodings import encoding_for_wire_id


def test_builtin_encodings_are_registered_with_distinct_wire_ids() -> None:
    assert ENCODINGS.names() == ["bitmap", "dense"]
    ids = {name: ENCODINGS.get(name).wire_id for name in ENCODINGS.names()}
    assert ids == {"dense": 1, "bitmap": 2}
    assert all(encoding_for_wire_id(i) is ENCODINGS.get(n) for n, i in ids.items())
    assert encoding_for_wire_id(0) is None


def test_a_reused_wire_id_is_refused() -> None:
    class Clash(TensorEncoding):
        wire_id = 1
        carries_mask = False

        def encode(self, values: np.ndarray, mask: np.ndarray | None) -> bytes:
            return b""

        def decode(self, buf, shape):  # type: ignore[no-untyped-def]
            return np.zeros(shape, np.float32), None

    with pytest.raises(ValueError, match="wire_id 1 is taken by 'dense'"):
        register_encoding("clash")(Clash)
    assert "clash" not in ENCODINGS


def test_bitmap_body_is_little_bit_order_mask_then_kept_values() -> None:
    values = np.arange(1, 11, dtype=np.float32)
    mask = np.zeros(10, dtype=bool)
    mask[[0, 3, 9]] = True

    body = ENCODINGS.get("bitmap")().encode(values, mask)

    assert body[:2] == bytes([0b0000_1001, 0b0000_0010])
    assert np.frombuffer(body[2:], "<f4").tolist() == [1.0, 4.0, 10.0]


def test_bitmap_decode_restores_shape_zeros_and_mask() -> None:
    body = bytes([0b0000_0110]) + np.array([7.0, -2.0], "<f4").tobytes()

    values, mask = ENCODINGS.get("bitmap")().decode(body, (2, 2))

    assert values.tolist() == [[0.0, 7.0], [-2.0, 0.0]]
    assert mask is not None and mask.tolist() == [[False, True], [True, False]]


def test_dense_refuses_a_mask_and_bitmap_requires_one() -> None:
    values = np.zeros(3, np.float32)
    with pytest.raises(ValueError, match="no mask"):
        ENCODINGS.get("dense")().encode(values, np.ones(3, bool))
    with pytest.raises(ValueError, match="needs a mask"):
        ENCODINGS.get("bitmap")().encode(values, None)


def test_dense_decode_checks_length_against_shape() -> None:
    with pytest.raises(CodecError, match="needs 24"):
        ENCODINGS.get("dense")().decode(b"\0" * 20, (2, 3))
