"""A bounds-checked front-to-back reader: running short raises ``CodecError``, never more."""

from __future__ import annotations

import struct

from fedprune.codec.errors import CodecError


class Reader:
    """Reads a buffer front to back; every read is checked against what is left."""

    def __init__(self, buf: memoryview | bytes) -> None:
        self._view = memoryview(buf).cast("B")
        self._pos = 0

    @property
    def remaining(self) -> int:
        """Bytes not read yet."""
        return len(self._view) - self._pos

    def take(self, n: int, what: str) -> memoryview:
        """The next ``n`` bytes; ``what`` names them in the error when fewer are left."""
        if n < 0 or n > self.remaining:
            raise CodecError(f"truncated {what}: needs {n} bytes, {self.remaining} left")
        self._pos += n
        return self._view[self._pos - n : self._pos]

    def unpack(self, fmt: struct.Struct, what: str) -> tuple[int, ...]:
        """The next ``fmt.size`` bytes unpacked with ``fmt``."""
        return fmt.unpack(self.take(fmt.size, what))

    def varint(self, what: str) -> int:
        """An unsigned LEB128 integer of at most 9 bytes (63 bits)."""
        value = 0
        for shift in range(0, 63, 7):
            (byte,) = self.take(1, what)
            value |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return value
        raise CodecError(f"{what}: varint longer than 9 bytes")

    def expect_end(self, what: str) -> None:
        """Refuse bytes left over after ``what``."""
        if self.remaining:
            raise CodecError(f"{self.remaining} trailing bytes after {what}")


def varint(value: int) -> bytes:
    """Unsigned LEB128 encoding of ``value`` (0 <= value < 2**63)."""
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)
