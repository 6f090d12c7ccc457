"""``int``: symmetric uniform quantisation to 8, 4 or 2 bits, per tensor or per channel."""

from __future__ import annotations

from typing import cast

import numpy as np

from fedprune.codec.bitpack import packed_size
from fedprune.codec.errors import CodecError
from fedprune.codec.reader import Reader
from fedprune.codec.values import scales as side_info
from fedprune.codec.values.base import VALUES, Channels, SymbolFormat, Symbols, ValueEncoding
from fedprune.codec.values.quantise import expand, round_to_grid, segment_absmax
from fedprune.codec.values.spec import ValueSpec


def qmax_for(bits: int) -> int:
    """Largest level of a ``bits``-bit symmetric grid: 127, 7 or 1."""
    return (1 << (bits - 1)) - 1


@VALUES.register("int")
class UniformValues(ValueEncoding):
    """Scale ``max|x| / qmax`` per tensor or per channel; symbols ``q + qmax`` in ``[0, 2 qmax]``.

    Deterministic rounding errs by at most ``scale / 2``; stochastic rounding is unbiased.
    """

    wire_id = 4

    def encode(
        self,
        kept: np.ndarray,
        *,
        channels: Channels,
        spec: ValueSpec,
        rng: np.random.Generator | None,
    ) -> Symbols:
        """Quantise ``kept``; non-finite values are refused (they have no scale)."""
        if spec.stochastic and rng is None:
            raise ValueError("stochastic rounding needs an rng (numpy Generator or seed)")
        qmax = qmax_for(spec.bits)
        counts = channels.counts if spec.per_channel else np.array([kept.size], dtype=np.int64)
        scales = (segment_absmax(kept, counts) / np.float32(qmax)).astype(np.float32)
        if not bool(np.isfinite(scales).all()):
            raise ValueError("int quantisation needs finite values")
        q = round_to_grid(
            kept, expand(scales, counts), qmax=qmax, rng=rng if spec.stochastic else None
        )
        side = side_info.write_side(spec.bits, scales, per_channel=spec.per_channel)
        return Symbols(side, (q + qmax).astype(np.uint8), SymbolFormat(spec.bits, 2 * qmax))

    def read_side(self, reader: Reader, *, channels: Channels) -> tuple[object, SymbolFormat]:
        """Flags (bits 2/4/8, per-channel) and scales."""
        bits, scales = side_info.read_side(reader, channels=channels, what="int values")
        if bits not in (2, 4, 8):
            raise CodecError(f"int values: bit width {bits} is not 2, 4 or 8")
        if scales.size and float(scales.max()) > np.finfo(np.float32).max / qmax_for(bits):
            raise CodecError("int values: a scale overflows float32 at the top level")
        return (bits, scales), SymbolFormat(bits, 2 * qmax_for(bits))

    def decode(self, offsets: np.ndarray, side: object, *, channels: Channels) -> np.ndarray:
        """``(symbol - qmax) * scale``."""
        bits, scales = cast(tuple[int, np.ndarray], side)
        counts = side_info.segment_counts(channels, scales)
        q = offsets.astype(np.float32) - np.float32(qmax_for(bits))
        return (q * expand(scales, counts)).astype(np.float32)

    def max_size(self, channels: Channels) -> int:
        """Side information plus a byte a value."""
        return side_info.max_side(channels) + packed_size(channels.n, 8)
