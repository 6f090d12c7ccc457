"""Shared body of the 2-byte float encodings (``fp16``, ``bf16``): torch casts, bit patterns."""

from __future__ import annotations

from abc import abstractmethod
from typing import ClassVar

import numpy as np
import torch

from fedprune.codec.reader import Reader
from fedprune.codec.values.base import Channels, SymbolFormat, Symbols, ValueEncoding
from fedprune.codec.values.spec import ValueSpec

FORMAT = SymbolFormat(bits=16, span=0xFFFF)


class TwoByteFloat(ValueEncoding):
    """2 bytes a value: the bit pattern of torch's cast to ``torch_dtype`` (round to even)."""

    torch_dtype: ClassVar[torch.dtype]

    def encode(
        self,
        kept: np.ndarray,
        *,
        channels: Channels,
        spec: ValueSpec,
        rng: np.random.Generator | None,
    ) -> Symbols:
        """Cast with torch and send the bit patterns."""
        cast = torch.from_numpy(np.ascontiguousarray(kept)).to(self.torch_dtype)
        return Symbols(b"", cast.view(torch.int16).numpy().view(np.uint16), FORMAT)

    def read_side(self, reader: Reader, *, channels: Channels) -> tuple[object, SymbolFormat]:
        """Nothing to read."""
        return None, FORMAT

    def decode(self, offsets: np.ndarray, side: object, *, channels: Channels) -> np.ndarray:
        """Widen the bit patterns to float32 (exact)."""
        return self.widen(offsets)

    @staticmethod
    @abstractmethod
    def widen(patterns: np.ndarray) -> np.ndarray:
        """16-bit patterns -> float32 values."""

    def max_size(self, channels: Channels) -> int:
        """``2 n``."""
        return 2 * channels.n
