"""``fp32``: kept values as they are, 4 bytes each."""

from __future__ import annotations

import numpy as np

from fedprune.codec.reader import Reader
from fedprune.codec.values.base import VALUES, Channels, SymbolFormat, Symbols, ValueEncoding
from fedprune.codec.values.spec import ValueSpec

_FORMAT = SymbolFormat(bits=32, span=0xFFFF_FFFF)


@VALUES.register("fp32")
class Fp32Values(ValueEncoding):
    """No side information; symbols are the IEEE bit patterns (bitwise exact, NaN payloads kept)."""

    wire_id = 1

    def encode(
        self,
        kept: np.ndarray,
        *,
        channels: Channels,
        spec: ValueSpec,
        rng: np.random.Generator | None,
    ) -> Symbols:
        """The bit patterns of ``kept``."""
        return Symbols(b"", np.ascontiguousarray(kept, dtype=np.float32).view(np.uint32), _FORMAT)

    def read_side(self, reader: Reader, *, channels: Channels) -> tuple[object, SymbolFormat]:
        """Nothing to read."""
        return None, _FORMAT

    def decode(self, offsets: np.ndarray, side: object, *, channels: Channels) -> np.ndarray:
        """Reinterpret the patterns as float32."""
        return offsets.view(np.float32)

    def max_size(self, channels: Channels) -> int:
        """``4 n``."""
        return 4 * channels.n
