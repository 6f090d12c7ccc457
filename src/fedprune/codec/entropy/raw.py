"""``raw``: no entropy coding; symbols packed at their fixed width."""

from __future__ import annotations

from fedprune.codec.entropy.base import ENTROPY, EntropyCoder
from fedprune.codec.values.base import Symbols


@ENTROPY.register("raw")
class RawCoder(EntropyCoder):
    """Head then the packed symbols, as they are; always a candidate."""

    wire_id = 1

    def encode(self, *, head: bytes, symbols: Symbols, packed: bytes) -> bytes:
        """``head + packed``."""
        return head + packed
