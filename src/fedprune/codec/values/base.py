"""How kept values become integer symbols plus side information: interface and registry."""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from fedprune.codec.reader import Reader
from fedprune.codec.stages import StageRegistry, WireStage

if TYPE_CHECKING:
    from fedprune.codec.values.spec import ValueSpec


@dataclass(frozen=True)
class SymbolFormat:
    """Symbols are unsigned offsets in ``[0, span]``, ``bits`` wide when packed raw."""

    bits: int
    span: int


@dataclass(frozen=True)
class Symbols:
    """What a value encoding hands to the entropy stage."""

    side: bytes
    offsets: np.ndarray
    fmt: SymbolFormat


class Channels:
    """How many kept values each channel (dim 0; one channel for a scalar) holds, in order."""

    def __init__(self, shape: tuple[int, ...], mask: np.ndarray | None) -> None:
        self.shape = shape
        self.mask = mask
        self.n = int(np.prod(shape, dtype=np.int64))
        self.kept = self.n if mask is None else int(np.count_nonzero(mask))
        self.count = shape[0] if shape else 1

    @cached_property
    def counts(self) -> np.ndarray:
        """Kept values per channel (int64, sums to ``kept``)."""
        if self.n == 0:
            return np.zeros(self.count, dtype=np.int64)
        if self.mask is None:
            return np.full(self.count, self.n // self.count, dtype=np.int64)
        return np.count_nonzero(self.mask.reshape(self.count, -1), axis=1).astype(np.int64)


class ValueEncoding(WireStage):
    """Kept float32 values <-> side information + symbols; decoding must be total."""

    @abstractmethod
    def encode(
        self,
        kept: np.ndarray,
        *,
        channels: Channels,
        spec: ValueSpec,
        rng: np.random.Generator | None,
    ) -> Symbols:
        """Turn the flat float32 ``kept`` values into symbols (``rng`` for stochastic rounding)."""

    @abstractmethod
    def read_side(self, reader: Reader, *, channels: Channels) -> tuple[object, SymbolFormat]:
        """Read and check the side information; say how the symbols are laid out."""

    @abstractmethod
    def decode(self, offsets: np.ndarray, side: object, *, channels: Channels) -> np.ndarray:
        """Rebuild flat float32 values from checked symbols and side information."""

    @abstractmethod
    def max_size(self, channels: Channels) -> int:
        """Longest valid side + raw symbols for ``channels`` (bounds decompression)."""


VALUES: StageRegistry[ValueEncoding] = StageRegistry("value encoding")
