"""The per-tensor encoding interface, its registry and lookup by wire id."""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import ClassVar

import numpy as np

from fedprune.registry import Registry

#: Encodings by name; the wire carries each one's ``wire_id`` instead.
ENCODINGS: Registry[type[TensorEncoding]] = Registry("encoding")
_BY_WIRE_ID: dict[int, type[TensorEncoding]] = {}


class TensorEncoding(ABC):
    """How one tensor's values (and, for sparse encodings, its mask) become a body of bytes.

    Subclasses set ``wire_id`` (a byte, unique) and ``carries_mask``. ``decode`` must be total:
    any ``buf`` either yields arrays of ``shape`` or raises ``CodecError``, and it may allocate
    only in proportion to ``len(buf)`` until the body has been checked against ``shape``.
    """

    name: ClassVar[str]
    wire_id: ClassVar[int]
    carries_mask: ClassVar[bool]

    @abstractmethod
    def encode(self, values: np.ndarray, mask: np.ndarray | None) -> bytes:
        """Encode float32 ``values`` (and bool ``mask`` of the same shape when sparse)."""

    @abstractmethod
    def decode(
        self, buf: memoryview | bytes, shape: tuple[int, ...]
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Return float32 values of ``shape`` (zeros where pruned) and the mask, or ``None``."""


def register_encoding(
    name: str,
) -> Callable[[type[TensorEncoding]], type[TensorEncoding]]:
    """Class decorator: register an encoding under ``name``, refusing a reused wire id."""

    def deco(cls: type[TensorEncoding]) -> type[TensorEncoding]:
        if not 0 <= cls.wire_id <= 255:
            raise ValueError(f"encoding {name!r}: wire_id must fit a byte, got {cls.wire_id}")
        if cls.wire_id in _BY_WIRE_ID:
            taken = _BY_WIRE_ID[cls.wire_id].name
            raise ValueError(f"encoding {name!r}: wire_id {cls.wire_id} is taken by {taken!r}")
        ENCODINGS.register(name)(cls)
        cls.name = name
        _BY_WIRE_ID[cls.wire_id] = cls
        return cls

    return deco


def encoding_for_wire_id(wire_id: int) -> type[TensorEncoding] | None:
    """The encoding class carrying ``wire_id``, or ``None`` when no encoding uses it."""
    return _BY_WIRE_ID.get(wire_id)


def element_count(shape: tuple[int, ...]) -> int:
    """Number of elements of ``shape`` (1 for a scalar)."""
    return math.prod(shape)
