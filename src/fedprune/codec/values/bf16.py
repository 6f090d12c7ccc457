"""``bf16``: kept values cast to bfloat16 exactly as ``tensor.bfloat16()`` does."""

from __future__ import annotations

import numpy as np
import torch

from fedprune.codec.values.base import VALUES
from fedprune.codec.values.half import TwoByteFloat


@VALUES.register("bf16")
class Bf16Values(TwoByteFloat):
    """2 bytes a value: the top half of the float32 pattern after torch's rounding."""

    wire_id = 3
    torch_dtype = torch.bfloat16

    @staticmethod
    def widen(patterns: np.ndarray) -> np.ndarray:
        """The pattern becomes the high 16 bits of a float32."""
        return (patterns.astype(np.uint32) << 16).view(np.float32)
