"""``bitmap``: the mask packed one bit per element, little bit order, zero padding."""

from __future__ import annotations

import numpy as np

from fedprune.codec.errors import CodecError
from fedprune.codec.masks.base import MASKS, MaskEncoding
from fedprune.codec.reader import Reader


@MASKS.register("bitmap")
class BitmapMask(MaskEncoding):
    """``ceil(n / 8)`` bytes. The mask is explicit: a kept weight equal to 0 stays kept."""

    wire_id = 2

    def encode(self, mask: np.ndarray | None, *, limit: int | None = None) -> bytes | None:
        """Pack ``mask``; ``None`` when ``ceil(n / 8)`` exceeds ``limit``."""
        if mask is None:
            raise ValueError("the bitmap encoding needs a mask")
        if limit is not None and (mask.size + 7) // 8 > limit:
            return None
        return np.packbits(mask, bitorder="little").tobytes()

    def decode(self, reader: Reader, *, n: int, known: np.ndarray | None) -> np.ndarray | None:
        """Unpack, refusing set padding bits."""
        bits = np.frombuffer(reader.take((n + 7) // 8, "bitmap mask"), dtype=np.uint8)
        if n % 8 and int(bits[-1]) >> (n % 8):
            raise CodecError("bitmap padding bits are set")
        return np.unpackbits(bits, count=n, bitorder="little").view(bool)

    def max_size(self, n: int) -> int:
        """``ceil(n / 8)``."""
        return (n + 7) // 8
