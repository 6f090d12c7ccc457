"""``bf16``: kept values cast to bfloat16 exactly as ``tensor.bfloat16()`` does."""

from __future__ import annotations

import numpy as np
import torch

from fedprune.codec.reader import Reader
from fedprune.codec.values.base import VALUES, Channels, SymbolFormat, Symbols, ValueEncoding
from fedprune.codec.values.spec import ValueSpec

_FORMAT = SymbolFormat(bits=16, span=0xFFFF)


@VALUES.register("bf16")
class Bf16Values(ValueEncoding):
    """2 bytes a value: the top half of the float32 pattern after torch's rounding."""

    wire_id = 3

    def encode(
        self,
        kept: np.ndarray,
        *,
        channels: Channels,
        spec: ValueSpec,
        rng: np.random.Generator | None,
    ) -> Symbols:
        """Cast with torch (round to nearest even) and send the bit patterns."""
        brain = torch.from_numpy(np.ascontiguousarray(kept)).to(torch.bfloat16)
        return Symbols(b"", brain.view(torch.int16).numpy().view(np.uint16), _FORMAT)

    def read_side(self, reader: Reader, *, channels: Channels) -> tuple[object, SymbolFormat]:
        """Nothing to read."""
        return None, _FORMAT

    def decode(self, offsets: np.ndarray, side: object, *, channels: Channels) -> np.ndarray:
        """Widen to float32 (exact): the pattern becomes the high 16 bits."""
        return (offsets.astype(np.uint32) << 16).view(np.float32)

    def max_size(self, channels: Channels) -> int:
        """``2 n``."""
        return 2 * channels.n
