"""``fp16``: kept values cast to IEEE half precision exactly as ``tensor.half()`` does."""

from __future__ import annotations

import numpy as np
import torch

from fedprune.codec.reader import Reader
from fedprune.codec.values.base import VALUES, Channels, SymbolFormat, Symbols, ValueEncoding
from fedprune.codec.values.spec import ValueSpec

_FORMAT = SymbolFormat(bits=16, span=0xFFFF)


@VALUES.register("fp16")
class Fp16Values(ValueEncoding):
    """2 bytes a value; out-of-range values become +-inf, as torch's cast makes them."""

    wire_id = 2

    def encode(
        self,
        kept: np.ndarray,
        *,
        channels: Channels,
        spec: ValueSpec,
        rng: np.random.Generator | None,
    ) -> Symbols:
        """Cast with torch (round to nearest even) and send the bit patterns."""
        half = torch.from_numpy(np.ascontiguousarray(kept)).to(torch.float16)
        return Symbols(b"", half.view(torch.int16).numpy().view(np.uint16), _FORMAT)

    def read_side(self, reader: Reader, *, channels: Channels) -> tuple[object, SymbolFormat]:
        """Nothing to read."""
        return None, _FORMAT

    def decode(self, offsets: np.ndarray, side: object, *, channels: Channels) -> np.ndarray:
        """Widen to float32 (exact)."""
        return offsets.astype(np.uint16).view(np.float16).astype(np.float32)

    def max_size(self, channels: Channels) -> int:
        """``2 n``."""
        return 2 * channels.n
