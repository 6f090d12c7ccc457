"""``fp16``: kept values cast to IEEE half precision exactly as ``tensor.half()`` does."""

from __future__ import annotations

import numpy as np
import torch

from fedprune.codec.values.base import VALUES
from fedprune.codec.values.half import TwoByteFloat


@VALUES.register("fp16")
class Fp16Values(TwoByteFloat):
    """2 bytes a value; out-of-range values become +-inf, as torch's cast makes them."""

    wire_id = 2
    torch_dtype = torch.float16

    @staticmethod
    def widen(patterns: np.ndarray) -> np.ndarray:
        """IEEE half -> float32."""
        return patterns.astype(np.uint16).view(np.float16).astype(np.float32)
