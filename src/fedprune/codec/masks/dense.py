"""``dense``: no mask section; every element is kept and no mask is reported."""

from __future__ import annotations

import numpy as np

from fedprune.codec.masks.base import MASKS, MaskEncoding
from fedprune.codec.reader import Reader


@MASKS.register("dense")
class DenseMask(MaskEncoding):
    """An empty section: the tensor is sent whole."""

    wire_id = 1
    carries_mask = False

    def encode(self, mask: np.ndarray | None, *, limit: int | None = None) -> bytes | None:
        """Nothing; a mask is refused because this encoding cannot carry one."""
        if mask is not None:
            raise ValueError("the dense encoding carries no mask; use a sparse encoding")
        return b""

    def decode(self, reader: Reader, *, n: int, known: np.ndarray | None) -> np.ndarray | None:
        """Read nothing; report no mask."""
        return None

    def max_size(self, n: int) -> int:
        """Always 0."""
        return 0
