"""Fixed-point encoding of float vectors into the ring Z_{2^k}, so masked sums are exact.

Secure aggregation adds masks that wrap around modulo ``2^k``; the inputs must therefore be
integers in that ring (Bonawitz et al. 2017, https://eprint.iacr.org/2017/281, section 3).
A value ``x`` is clipped to ``[-clip, clip]``, scaled by ``scale`` (a power of two, so scaling
is exact in float64) and rounded; a weight ``w`` multiplies the integer. The sum of the ring
elements, read as a signed ``k``-bit integer, is then exactly ``sum_i w_i q_i`` provided that
``sum_i w_i * round(clip * scale) < 2^(k-1)``, which ``FixedPoint.for_sum`` guarantees.

``k = 64`` is the default: numpy's ``uint64`` arithmetic wraps modulo ``2^64`` for free, and 63
bits leave room for example-count weights, hundreds of clients and a resolution far below
float32's. ``k = 32`` halves the masked payload (4 bytes an entry, like fp32) but only fits
small weights or coarse resolutions; ``for_sum`` says so with a ``ValueError``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

RING_DTYPES: dict[int, type[np.unsignedinteger]] = {32: np.uint32, 64: np.uint64}
_SIGNED: dict[int, type[np.signedinteger]] = {32: np.int32, 64: np.int64}


def ring_dtype(bits: int) -> np.dtype:
    """The unsigned numpy dtype whose arithmetic wraps modulo ``2^bits``."""
    try:
        return np.dtype(RING_DTYPES[bits])
    except KeyError:
        raise ValueError(f"bits must be one of {sorted(RING_DTYPES)}, got {bits!r}") from None


@dataclass(frozen=True)
class FixedPoint:
    """Clip to ``[-clip, clip]``, multiply by ``scale``, round; integers live in Z_{2^bits}.

    Parameters
    ----------
    bits:
        Ring size exponent k: 32 or 64.
    clip:
        Largest magnitude kept; larger values are clipped (a bounded influence, like DP clipping).
    scale:
        Integer units per 1.0; ``1 / scale`` is the resolution.
    """

    bits: int
    clip: float
    scale: float

    def __post_init__(self) -> None:
        ring_dtype(self.bits)
        if not (math.isfinite(self.clip) and self.clip > 0):
            raise ValueError(f"clip must be a finite number > 0, got {self.clip!r}")
        if not (math.isfinite(self.scale) and self.scale > 0):
            raise ValueError(f"scale must be a finite number > 0, got {self.scale!r}")
        if self.level < 1:
            raise ValueError(f"clip * scale = {self.clip * self.scale} leaves no integer level")

    @classmethod
    def for_sum(cls, *, bits: int, clip: float, total_weight: int) -> FixedPoint:
        """The finest power-of-two scale whose sums of total weight ``total_weight`` (e.g.
        clients x largest weight) cannot overflow; ``ValueError`` when not even one level fits."""
        ring_dtype(bits)
        if total_weight < 1:
            raise ValueError(f"total_weight must be >= 1, got {total_weight}")
        if not (math.isfinite(clip) and clip > 0):
            raise ValueError(f"clip must be a finite number > 0, got {clip!r}")
        per_unit = (2 ** (bits - 1) - 1) // total_weight  # largest |q| one unit of weight may use
        scale = 2.0 ** math.floor(math.log2(per_unit / clip)) if per_unit else 0.0
        while scale and round(clip * scale) > per_unit:  # log2 rounding at the edge
            scale /= 2
        if round(clip * scale) < 1:
            raise ValueError(
                f"a {bits}-bit ring cannot hold a sum of total weight {total_weight}: "
                f"{per_unit} integer levels per unit of weight leave none for clip {clip}; "
                "use more bits or smaller weights"
            )
        fp = cls(bits=bits, clip=clip, scale=scale)
        fp.check_sum(total_weight=total_weight)
        return fp

    @property
    def level(self) -> int:
        """The largest integer magnitude an encoded value of weight 1 takes."""
        return round(self.clip * self.scale)

    @property
    def resolution(self) -> float:
        """Spacing of representable values: a rounding error is at most half of it."""
        return 1.0 / self.scale

    def capacity(self) -> int:
        """The largest total weight whose sum is guaranteed not to overflow."""
        return (2 ** (self.bits - 1) - 1) // self.level

    def check_sum(self, *, total_weight: int) -> None:
        """``ValueError`` unless sums of total weight ``total_weight`` fit the signed ring."""
        if total_weight > self.capacity():
            raise ValueError(
                f"sum of total weight {total_weight} may overflow the {self.bits}-bit ring "
                f"(capacity {self.capacity()} at clip {self.clip}, scale {self.scale})"
            )

    def quantise(self, x: np.ndarray) -> np.ndarray:
        """``round(clip(x) * scale)`` as int64; ``ValueError`` for NaN or infinity."""
        x = np.asarray(x, dtype=np.float64)
        if not np.isfinite(x).all():
            raise ValueError("cannot encode NaN or infinity")
        return np.rint(np.clip(x, -self.clip, self.clip) * self.scale).astype(np.int64)

    def encode(self, x: np.ndarray, *, weight: int = 1) -> np.ndarray:
        """``weight * round(clip(x) * scale)`` as ring elements (unsigned, wrapped)."""
        if isinstance(weight, bool) or not isinstance(weight, int | np.integer) or weight < 0:
            raise ValueError(f"weight must be an integer >= 0, got {weight!r}")
        self.check_sum(total_weight=int(weight))
        return to_ring(self.quantise(x) * np.int64(weight), bits=self.bits)

    def decode_int(self, total: np.ndarray) -> np.ndarray:
        """The signed integers (int64) that ring elements ``total`` stand for."""
        return from_ring(total, bits=self.bits)

    def decode(self, total: np.ndarray) -> np.ndarray:
        """Ring elements (a sum of encodings) back to float64 values."""
        return self.decode_int(total).astype(np.float64) / self.scale


def to_ring(q: np.ndarray, *, bits: int) -> np.ndarray:
    """Signed int64 integers into Z_{2^bits} (two's complement, i.e. modulo ``2^bits``)."""
    q = np.ascontiguousarray(q, dtype=np.int64)
    if bits == 64:
        return q.view(np.uint64).copy()
    return (q & np.int64(2**bits - 1)).astype(ring_dtype(bits))


def from_ring(r: np.ndarray, *, bits: int) -> np.ndarray:
    """Ring elements read as signed ``bits``-bit integers, widened to int64."""
    r = np.ascontiguousarray(r, dtype=ring_dtype(bits))
    return r.view(_SIGNED[bits]).astype(np.int64)
