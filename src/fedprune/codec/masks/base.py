"""How a tensor's mask travels: the interface, its registry, and the auto choice."""

from __future__ import annotations

from abc import abstractmethod
from typing import cast

import numpy as np

from fedprune.codec.reader import Reader
from fedprune.codec.stages import StageRegistry, WireStage


class MaskEncoding(WireStage):
    """One mask section of a tensor body; ``decode`` must be total and consume only its bytes.

    Masks are flat bool arrays. ``None`` stands for "every element kept, no mask to report".
    """

    #: Whether ``encode`` can carry an explicit mask (``sparse=`` accepts only these).
    carries_mask: bool = True

    @abstractmethod
    def encode(self, mask: np.ndarray | None, *, limit: int | None = None) -> bytes | None:
        """The section for ``mask``, or ``None`` when it would be longer than ``limit`` bytes."""

    @abstractmethod
    def decode(self, reader: Reader, *, n: int, known: np.ndarray | None) -> np.ndarray | None:
        """Read the section of an ``n``-element tensor; ``known`` is the receiver's mask, if any."""

    @abstractmethod
    def max_size(self, n: int) -> int:
        """Longest valid section for ``n`` elements (bounds decompression)."""


MASKS: StageRegistry[MaskEncoding] = StageRegistry("mask encoding")


def sparse_names() -> list[str]:
    """Names that ``sparse=`` accepts besides ``"auto"``."""
    return [n for n in MASKS.names() if MASKS.get(n).carries_mask and n != "known"]


def encode_auto(mask: np.ndarray) -> tuple[MaskEncoding, bytes]:
    """The smaller of ``bitmap`` and ``gaps`` for ``mask`` (bitmap on a tie)."""
    bitmap = MASKS.get("bitmap")()
    limit = (mask.size + 7) // 8
    gaps = MASKS.get("gaps")()
    section = gaps.encode(mask, limit=limit - 1)
    if section is not None:
        return gaps, section
    return bitmap, cast(bytes, bitmap.encode(mask))
