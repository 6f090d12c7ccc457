"""Side information shared by the scaled encodings: a flags byte, then float32 scales."""

from __future__ import annotations

import struct

import numpy as np

from fedprune.codec.errors import CodecError
from fedprune.codec.reader import Reader
from fedprune.codec.values.base import Channels

PER_CHANNEL = 0x80
_U8 = struct.Struct("<B")


def write_side(low: int, scales: np.ndarray, *, per_channel: bool) -> bytes:
    """Flags byte (``low`` in bits 0-6, per-channel in bit 7) and the scales."""
    flags = low | (PER_CHANNEL if per_channel else 0)
    return _U8.pack(flags) + np.ascontiguousarray(scales, dtype="<f4").tobytes()


def read_side(reader: Reader, *, channels: Channels, what: str) -> tuple[int, np.ndarray]:
    """Return ``(low bits, scales)``; scales must be finite and >= 0, one per channel or one."""
    (flags,) = reader.unpack(_U8, f"{what} flags")
    count = channels.count if flags & PER_CHANNEL else 1
    scales = np.frombuffer(reader.take(4 * count, f"{what} scales"), dtype="<f4")
    if not bool(np.all(np.isfinite(scales) & (scales >= 0))):
        raise CodecError(f"{what}: scales must be finite and >= 0")
    return flags & ~PER_CHANNEL, scales.astype(np.float32)


def segment_counts(channels: Channels, scales: np.ndarray) -> np.ndarray:
    """Per-scale value counts: per channel, or everything under the one scale."""
    return (
        channels.counts
        if scales.size == channels.count and scales.size != 1
        else (np.array([channels.kept], dtype=np.int64))
    )


def max_side(channels: Channels) -> int:
    """Flags byte plus one scale per channel."""
    return 1 + 4 * max(channels.count, 1)
