"""The entropy stage: how a tensor body's bytes and symbols are coded; interface and registry."""

from __future__ import annotations

from abc import abstractmethod

import numpy as np

from fedprune.codec.bitpack import packed_size, unpack_bits
from fedprune.codec.errors import CodecError
from fedprune.codec.reader import Reader
from fedprune.codec.stages import StageRegistry, WireStage
from fedprune.codec.values.base import SymbolFormat, Symbols


class EntropyCoder(WireStage):
    """Codes a body: ``head`` (mask section + value side information) followed by symbols.

    The default reads raw packed symbols; ``unwrap`` undoes a whole-body transform.
    """

    def applies(self, fmt: SymbolFormat) -> bool:
        """Whether this coder can code symbols of ``fmt``."""
        return True

    @abstractmethod
    def encode(self, *, head: bytes, symbols: Symbols, packed: bytes) -> bytes:
        """The body; ``packed`` is the raw fixed-width packing of ``symbols.offsets``."""

    def unwrap(self, body: memoryview, *, limit: int) -> memoryview:
        """The plain body (head + symbol section); ``limit`` bounds its valid length."""
        return body

    def read_symbols(self, reader: Reader, *, count: int, fmt: SymbolFormat) -> np.ndarray:
        """Read ``count`` symbols, each checked to lie in ``[0, fmt.span]``."""
        raw = reader.take(packed_size(count, fmt.bits), "symbols")
        offsets = unpack_bits(raw, count=count, width=fmt.bits)
        if count and fmt.span < (1 << fmt.bits) - 1 and int(offsets.max()) > fmt.span:
            raise CodecError(f"symbol {int(offsets.max())} outside 0..{fmt.span}")
        return offsets


ENTROPY: StageRegistry[EntropyCoder] = StageRegistry("entropy coder")
