"""``bitmap``: the mask packed one bit per element, then fp32 values at kept positions."""

from __future__ import annotations

import numpy as np

from fedprune.codec.encodings.base import TensorEncoding, element_count, register_encoding
from fedprune.codec.errors import CodecError


@register_encoding("bitmap")
class BitmapEncoding(TensorEncoding):
    """``ceil(n / 8)`` mask bytes (little bit order, zero padding), then ``4 * popcount`` bytes.

    The mask is explicit: a kept weight whose value is exactly 0 stays kept.
    """

    wire_id = 2
    carries_mask = True

    def encode(self, values: np.ndarray, mask: np.ndarray | None) -> bytes:
        """Encode the mask and the values it keeps; values at pruned positions are not sent."""
        if mask is None:
            raise ValueError("the bitmap encoding needs a mask")
        flat_mask = np.ascontiguousarray(mask, dtype=bool).reshape(-1)
        flat_values = np.ascontiguousarray(values, dtype="<f4").reshape(-1)
        if flat_mask.shape != flat_values.shape:
            raise ValueError(f"mask has {flat_mask.size} elements, values {flat_values.size}")
        bits = np.packbits(flat_mask, bitorder="little")
        return bits.tobytes() + flat_values[flat_mask].tobytes()

    def decode(
        self, buf: memoryview | bytes, shape: tuple[int, ...]
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Decode, checking padding bits and that the value count matches the popcount."""
        n = element_count(shape)
        mask_len = (n + 7) // 8
        if len(buf) < mask_len:
            raise CodecError(f"bitmap body is {len(buf)} bytes; the mask alone needs {mask_len}")
        bits = np.frombuffer(buf, dtype=np.uint8, count=mask_len)
        if n % 8 and int(bits[-1]) >> (n % 8):
            raise CodecError("bitmap padding bits are set")
        mask = np.unpackbits(bits, count=n, bitorder="little").astype(bool)
        kept = int(np.count_nonzero(mask))
        values_len = len(buf) - mask_len
        if values_len != 4 * kept:
            raise CodecError(
                f"bitmap keeps {kept} values ({4 * kept} bytes) but carries {values_len} bytes"
            )
        values = np.zeros(n, dtype=np.float32)
        values[mask] = np.frombuffer(buf, dtype="<f4", offset=mask_len)
        return values.reshape(shape), mask.reshape(shape)
