"""``zstd``: the whole plain body compressed as one Zstandard frame."""

from __future__ import annotations

import zstandard

from fedprune.codec.entropy.base import ENTROPY, EntropyCoder
from fedprune.codec.errors import CodecError
from fedprune.codec.values.base import Symbols

LEVELS = range(1, 23)


@ENTROPY.register("zstd")
class ZstdCoder(EntropyCoder):
    """One frame with its content size; decoding checks that size against the tensor's bound
    before allocating, and refuses data after the frame."""

    wire_id = 2

    def __init__(self, *, level: int = 3) -> None:
        if level not in LEVELS:
            raise ValueError(f"zstd level must be in 1..22, got {level}")
        self.level = level
        self._compressor = zstandard.ZstdCompressor(level=level, write_checksum=False)

    def encode(self, *, head: bytes, symbols: Symbols, packed: bytes) -> bytes:
        """Compress ``head + packed``."""
        return self._compressor.compress(head + packed)

    def unwrap(self, body: memoryview, *, limit: int) -> memoryview:
        """Decompress, refusing frames without a content size or larger than ``limit``."""
        try:
            size = zstandard.frame_content_size(body)
        except zstandard.ZstdError as exc:
            raise CodecError(f"zstd: bad frame header ({exc})") from None
        if size < 0:
            raise CodecError("zstd: frame does not declare its content size")
        if size > limit:
            raise CodecError(f"zstd: frame declares {size} bytes, the tensor allows {limit}")
        try:
            plain = zstandard.ZstdDecompressor().decompress(body, allow_extra_data=False)
        except zstandard.ZstdError as exc:
            raise CodecError(f"zstd: {exc}") from None
        if len(plain) != size:
            raise CodecError(f"zstd: frame declares {size} bytes, holds {len(plain)}")
        return memoryview(plain)
