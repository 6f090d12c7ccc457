"""A keep-mask stored at one bit an entry, for memory that many clients hold at once."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor


@dataclass(frozen=True)
class PackedMask:
    """A bool mask of ``shape`` as little-endian bits: 1/8 of a bool tensor's bytes.

    A client caches the global masks it last received (a mask-known downlink); kept as bool
    tensors, 1,000 clients of a 1.66M-weight model hold 1.66 GB of masks, packed 0.21 GB.
    """

    shape: tuple[int, ...]
    bits: np.ndarray  # uint8, ceil(numel / 8) bytes

    @classmethod
    def pack(cls, mask: Tensor) -> PackedMask:
        """Pack a bool (or 0/1) mask of any shape and memory layout."""
        flat = mask.detach().cpu().to(torch.bool).contiguous().numpy().reshape(-1)
        return cls(shape=tuple(mask.shape), bits=np.packbits(flat, bitorder="little"))

    @property
    def numel(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    def unpack(self) -> Tensor:
        """The bool mask again (a new tensor)."""
        flat = np.unpackbits(self.bits, count=self.numel, bitorder="little").astype(bool)
        return torch.from_numpy(flat).reshape(self.shape)

    @property
    def nbytes(self) -> int:
        return int(self.bits.nbytes)
