"""``ternary``: STC's mean magnitude x sign over the kept values (Sattler et al. 2019)."""

from __future__ import annotations

import numpy as np

from fedprune.codec.bitpack import packed_size
from fedprune.codec.errors import CodecError
from fedprune.codec.reader import Reader
from fedprune.codec.values import scales as side_info
from fedprune.codec.values.base import VALUES, Channels, SymbolFormat, Symbols, ValueEncoding
from fedprune.codec.values.quantise import expand, segment_mean_abs
from fedprune.codec.values.spec import ValueSpec

_FORMAT = SymbolFormat(bits=2, span=2)


@VALUES.register("ternary")
class TernaryValues(ValueEncoding):
    """Each kept value becomes ``mu * sign(x)``, ``mu`` = mean ``|x|`` of the kept values.

    Sparse Ternary Compression, https://arxiv.org/abs/1903.02891: pair with ``topk(f)`` so the
    kept values are the largest ones. Symbols are ``sign + 1``; an exact zero stays zero.
    """

    wire_id = 5

    def encode(
        self,
        kept: np.ndarray,
        *,
        channels: Channels,
        spec: ValueSpec,
        rng: np.random.Generator | None,
    ) -> Symbols:
        """Mean magnitude per tensor (or channel) and the signs."""
        counts = channels.counts if spec.per_channel else np.array([kept.size], dtype=np.int64)
        means = segment_mean_abs(kept, counts)
        if not bool(np.isfinite(means).all()):
            raise ValueError("ternary quantisation needs finite values")
        side = side_info.write_side(0, means, per_channel=spec.per_channel)
        return Symbols(side, (np.sign(kept) + 1).astype(np.uint8), _FORMAT)

    def read_side(self, reader: Reader, *, channels: Channels) -> tuple[object, SymbolFormat]:
        """Flags (per-channel only) and mean magnitudes."""
        low, means = side_info.read_side(reader, channels=channels, what="ternary values")
        if low:
            raise CodecError(f"ternary values: unknown flag bits {low:#04x}")
        return means, _FORMAT

    def decode(self, offsets: np.ndarray, side: object, *, channels: Channels) -> np.ndarray:
        """``(symbol - 1) * mu``."""
        means = np.asarray(side, dtype=np.float32)
        counts = side_info.segment_counts(channels, means)
        return ((offsets.astype(np.float32) - 1) * expand(means, counts)).astype(np.float32)

    def max_size(self, channels: Channels) -> int:
        """Side information plus 2 bits a value."""
        return side_info.max_side(channels) + packed_size(channels.n, 2)
