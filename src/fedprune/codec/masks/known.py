"""``known``: both ends hold the mask; only its count and CRC32 travel, as a check."""

from __future__ import annotations

import struct
import zlib

import numpy as np

from fedprune.codec.errors import CodecError
from fedprune.codec.masks.base import MASKS, MaskEncoding
from fedprune.codec.reader import Reader

_SECTION = struct.Struct("<QI")


def _fingerprint(mask: np.ndarray) -> tuple[int, int]:
    return int(np.count_nonzero(mask)), zlib.crc32(np.packbits(mask, bitorder="little").tobytes())


@MASKS.register("known")
class KnownMask(MaskEncoding):
    """12 bytes: kept count (u64) and CRC32 of the packed mask, so a stale receiver mask fails."""

    wire_id = 4

    def encode(self, mask: np.ndarray | None, *, limit: int | None = None) -> bytes | None:
        """The fingerprint of the mask both ends hold."""
        if mask is None:
            raise ValueError("mask-known needs the shared mask")
        return _SECTION.pack(*_fingerprint(mask))

    def decode(self, reader: Reader, *, n: int, known: np.ndarray | None) -> np.ndarray | None:
        """Return ``known`` after checking it against the sender's count and CRC."""
        count, crc = reader.unpack(_SECTION, "known-mask section")
        if known is None:
            raise CodecError("tensor was sent mask-known; pass its mask in known_masks")
        if known.size != n:
            raise CodecError(f"known mask has {known.size} elements, the tensor {n}")
        have_count, have_crc = _fingerprint(known)
        if have_count != count:
            raise CodecError(f"known mask keeps {have_count} values, the sender's kept {count}")
        if have_crc != crc:
            raise CodecError("known mask differs from the sender's (same count, other positions)")
        return known

    def max_size(self, n: int) -> int:
        """Always 12."""
        return _SECTION.size
