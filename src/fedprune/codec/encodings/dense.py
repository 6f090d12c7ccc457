"""``dense``: every value as little-endian fp32, no mask."""

from __future__ import annotations

import numpy as np

from fedprune.codec.encodings.base import TensorEncoding, element_count, register_encoding
from fedprune.codec.errors import CodecError


@register_encoding("dense")
class DenseEncoding(TensorEncoding):
    """All ``n`` values, 4 bytes each, in C order."""

    wire_id = 1
    carries_mask = False

    def encode(self, values: np.ndarray, mask: np.ndarray | None) -> bytes:
        """Encode ``values``; a mask is refused because this encoding cannot carry one."""
        if mask is not None:
            raise ValueError("the dense encoding carries no mask; use a sparse encoding")
        return np.ascontiguousarray(values, dtype="<f4").tobytes()

    def decode(
        self, buf: memoryview | bytes, shape: tuple[int, ...]
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Decode a body of exactly ``4 * prod(shape)`` bytes."""
        n = element_count(shape)
        if len(buf) != 4 * n:
            raise CodecError(f"dense body is {len(buf)} bytes; shape {shape} needs {4 * n}")
        values = np.frombuffer(buf, dtype="<f4").astype(np.float32)
        return values.reshape(shape), None
