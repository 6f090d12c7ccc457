"""``gaps``: Golomb-Rice coded gaps between kept indices, for sparse masks."""

from __future__ import annotations

import math
import struct

import numpy as np

from fedprune.codec.bitpack import pack_bits, packed_size, unpack_bits
from fedprune.codec.errors import CodecError
from fedprune.codec.masks.base import MASKS, MaskEncoding
from fedprune.codec.reader import Reader

_HEADER = struct.Struct("<BQQ")  # Rice parameter k, kept count m, unary stream length in bits
MAX_K = 32


def rice_parameter(gaps: np.ndarray) -> int:
    """The Rice ``k`` giving the shortest code, searched next to the density-based estimate.

    For geometric gaps of density ``p`` the best ``k`` is near ``log2(ln 2 * (1 - p) / p)``.
    """
    if gaps.size == 0:
        return 0
    mean = float(gaps.mean())
    guess = max(0, round(math.log2(max(mean * math.log(2), 1.0))))
    candidates = range(max(0, guess - 1), min(MAX_K, guess + 2) + 1)
    return min(candidates, key=lambda k: _bits(gaps, k))


def shortest_bits(mask: np.ndarray) -> float:
    """A lower bound on the coded bits of ``mask`` at any ``k``, from its count and last index.

    With ``m`` kept and gaps summing to ``G``: ``sum(gap >> k) >= (G - m (2**k - 1)) / 2**k``.
    """
    m = int(np.count_nonzero(mask))
    if m == 0:
        return 0.0
    total = mask.size - int(np.argmax(mask[::-1])) - m  # last kept index + 1 - m
    return min(
        m * (k + 1) + max(0.0, (total - m * ((1 << k) - 1)) / (1 << k)) for k in range(MAX_K + 1)
    )


def _bits(gaps: np.ndarray, k: int) -> int:
    return int((gaps >> k).sum()) + gaps.size * (k + 1)


@MASKS.register("gaps")
class GapsMask(MaskEncoding):
    """Header (k, count, unary bits), unary quotients ``0…01``, then ``k``-bit remainders.

    Gap ``j`` is the number of pruned elements before kept element ``j`` since the previous
    one. Quotients and remainders sit in two streams so both decode without a bit loop.
    """

    wire_id = 3

    def encode(self, mask: np.ndarray | None, *, limit: int | None = None) -> bytes | None:
        """Code ``mask``; ``None`` when the section would be longer than ``limit``."""
        if mask is None:
            raise ValueError("the gaps encoding needs a mask")
        if limit is not None and _HEADER.size + (shortest_bits(mask) + 7) // 8 > limit:
            return None  # e.g. a 50 % mask: skip computing the gaps of half a tensor
        kept = np.flatnonzero(mask)
        gaps = np.diff(kept, prepend=-1) - 1
        k = rice_parameter(gaps)
        quotients = gaps >> k
        unary_bits = int(quotients.sum()) + kept.size
        size = _HEADER.size + (unary_bits + 7) // 8 + packed_size(kept.size, k)
        if limit is not None and size > limit:
            return None
        unary = np.zeros(unary_bits, dtype=np.uint8)
        unary[np.cumsum(quotients + 1) - 1] = 1
        remainders = gaps & ((1 << k) - 1)
        return (
            _HEADER.pack(k, kept.size, unary_bits)
            + np.packbits(unary, bitorder="little").tobytes()
            + pack_bits(remainders.astype(np.uint64), k)
        )

    def decode(self, reader: Reader, *, n: int, known: np.ndarray | None) -> np.ndarray | None:
        """Decode and check: count <= n, streams exact, every index inside the tensor."""
        k, count, unary_bits = reader.unpack(_HEADER, "gaps header")
        if k > MAX_K:
            raise CodecError(f"gaps: Rice parameter {k} exceeds {MAX_K}")
        if count > n:
            raise CodecError(f"gaps: {count} kept of {n} elements")
        unary = np.frombuffer(reader.take((unary_bits + 7) // 8, "gaps unary stream"), np.uint8)
        if unary_bits % 8 and int(unary[-1]) >> (unary_bits % 8):
            raise CodecError("gaps: unary padding bits are set")
        ones = np.flatnonzero(np.unpackbits(unary, count=unary_bits, bitorder="little"))
        if ones.size != count or (count and ones[-1] != unary_bits - 1):
            raise CodecError(f"gaps: unary stream holds {ones.size} codes, header says {count}")
        quotients = np.diff(ones, prepend=-1) - 1
        if count and int(quotients.max()) > n >> k:
            raise CodecError("gaps: a gap exceeds the tensor")
        remainders = unpack_bits(
            reader.take(packed_size(count, k), "gaps remainders"), count=count, width=k
        )
        gaps = (quotients << k) + remainders.astype(np.int64)
        if float(gaps.sum(dtype=np.float64)) + count > n:
            raise CodecError(f"gaps: indices run past the tensor's {n} elements")
        mask = np.zeros(n, dtype=bool)
        mask[np.cumsum(gaps + 1) - 1] = True
        return mask

    def max_size(self, n: int) -> int:
        """Header, unary bits of at most ``2n``, remainders of at most ``MAX_K`` bits each."""
        return _HEADER.size + packed_size(2 * n, 1) + packed_size(n, MAX_K)
