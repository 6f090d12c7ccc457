"""The secure-aggregation messages and their byte format (struct + raw bytes, never pickle).

Every message is ``b"FPSA" | version (u8) | kind (u8) | body | CRC-32 of all before (u32)``,
integers big-endian, ring vectors little-endian. The CRC makes a garbled or truncated message
fail with ``SecAggError`` instead of parsing into something else; it is no authentication
(the shares inside are AES-GCM sealed, and the server is trusted to relay honestly).
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import ClassVar, Protocol

import numpy as np

from fedprune.secagg.channel import CIPHERTEXT_BYTES
from fedprune.secagg.fixed_point import ring_dtype
from fedprune.secagg.keys import KEY_BYTES
from fedprune.secagg.shamir import ELEMENT_BYTES

MAGIC = b"FPSA"
VERSION = 1
_HEAD = struct.Struct(">4sBB")
_CRC = struct.Struct(">I")
_U32 = struct.Struct(">I")
_KEYS = struct.Struct(f">I{KEY_BYTES}s{KEY_BYTES}s")


class SecAggError(ValueError):
    """A secure-aggregation message or step that cannot be accepted; one line."""


class _Reader:
    """Bounds-checked reads from a message body."""

    def __init__(self, data: bytes, name: str) -> None:
        self.data, self.pos, self.name = data, 0, name

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise SecAggError(
                f"{self.name} is truncated: needs {n} bytes at offset {self.pos}, "
                f"has {len(self.data) - self.pos}"
            )
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def u32(self) -> int:
        return int(_U32.unpack(self.take(4))[0])

    def count(self, entry_bytes: int) -> int:
        """A list length, refused before any allocation when the bytes cannot hold it."""
        n = self.u32()
        if n * entry_bytes > len(self.data) - self.pos:
            raise SecAggError(f"{self.name} is truncated: declares {n} entries")
        return n

    def done(self) -> None:
        if self.pos != len(self.data):
            raise SecAggError(f"{self.name} has {len(self.data) - self.pos} unexpected bytes")


class Message(Protocol):
    """What every message has: its kind number, its body and its full wire bytes."""

    kind: ClassVar[int]

    def body(self) -> bytes: ...

    def to_bytes(self) -> bytes: ...


def frame(message: Message) -> bytes:
    """The full wire bytes of ``message``."""
    head = _HEAD.pack(MAGIC, VERSION, message.kind) + message.body()
    return head + _CRC.pack(zlib.crc32(head))


def _unframe(data: bytes, *, kind: int, name: str) -> _Reader:
    if len(data) < _HEAD.size + _CRC.size:
        raise SecAggError(f"{name} is truncated: {len(data)} bytes")
    magic, version, got = _HEAD.unpack_from(data)
    if magic != MAGIC:
        raise SecAggError(f"{name}: not a secure-aggregation message")
    if version != VERSION:
        raise SecAggError(f"{name}: format version {version}, expected {VERSION}")
    if zlib.crc32(data[: -_CRC.size]) != _CRC.unpack_from(data, len(data) - _CRC.size)[0]:
        raise SecAggError(f"{name}: checksum mismatch (truncated or garbled)")
    if got != kind:
        raise SecAggError(f"{name}: message kind {got}, expected {kind}")
    return _Reader(data[_HEAD.size : -_CRC.size], name)


def _unique(ids: list[int], name: str) -> None:
    if len(set(ids)) != len(ids):
        raise SecAggError(f"{name} names a client twice")


@dataclass(frozen=True)
class AdvertiseKeys:
    """Round 0, client -> server: the client's two public keys."""

    kind: ClassVar[int] = 1
    cid: int
    c_pk: bytes
    s_pk: bytes

    def body(self) -> bytes:
        return _KEYS.pack(self.cid, self.c_pk, self.s_pk)

    def to_bytes(self) -> bytes:
        return frame(self)

    @classmethod
    def from_bytes(cls, data: bytes) -> AdvertiseKeys:
        r = _unframe(data, kind=cls.kind, name="AdvertiseKeys")
        cid, c_pk, s_pk = _KEYS.unpack(r.take(_KEYS.size))
        r.done()
        return cls(cid=cid, c_pk=c_pk, s_pk=s_pk)


@dataclass(frozen=True)
class KeyList:
    """Round 0, server -> client: the public keys of the client's peers (its neighbours in
    SecAgg+, everyone otherwise) and its own."""

    kind: ClassVar[int] = 2
    keys: tuple[AdvertiseKeys, ...]

    def body(self) -> bytes:
        return _U32.pack(len(self.keys)) + b"".join(k.body() for k in self.keys)

    def to_bytes(self) -> bytes:
        return frame(self)

    @classmethod
    def from_bytes(cls, data: bytes) -> KeyList:
        r = _unframe(data, kind=cls.kind, name="KeyList")
        entries = [_KEYS.unpack(r.take(_KEYS.size)) for _ in range(r.count(_KEYS.size))]
        r.done()
        _unique([e[0] for e in entries], "KeyList")
        return cls(keys=tuple(AdvertiseKeys(cid=c, c_pk=a, s_pk=b) for c, a, b in entries))


@dataclass(frozen=True)
class ShareBundle:
    """Round 1, encrypted shares: client -> server ``{receiver: ciphertext}`` from ``cid``, or
    server -> client ``{sender: ciphertext}`` for ``cid``."""

    kind: ClassVar[int] = 3
    cid: int
    ciphertexts: Mapping[int, bytes]

    def body(self) -> bytes:
        parts = [_U32.pack(self.cid), _U32.pack(len(self.ciphertexts))]
        for peer, ct in sorted(self.ciphertexts.items()):
            if len(ct) != CIPHERTEXT_BYTES:
                raise SecAggError(f"ciphertext for {peer} has {len(ct)} bytes")
            parts += [_U32.pack(peer), ct]
        return b"".join(parts)

    def to_bytes(self) -> bytes:
        return frame(self)

    @classmethod
    def from_bytes(cls, data: bytes) -> ShareBundle:
        r = _unframe(data, kind=cls.kind, name="ShareBundle")
        cid = r.u32()
        pairs = [(r.u32(), r.take(CIPHERTEXT_BYTES)) for _ in range(r.count(4 + CIPHERTEXT_BYTES))]
        r.done()
        _unique([p for p, _ in pairs], "ShareBundle")
        return cls(cid=cid, ciphertexts=dict(pairs))


@dataclass(frozen=True, eq=False)
class MaskedInput:
    """Round 2, client -> server: the masked ring vector ``y``."""

    kind: ClassVar[int] = 4
    cid: int
    bits: int
    vector: np.ndarray

    def body(self) -> bytes:
        dtype = ring_dtype(self.bits)
        if self.vector.dtype != dtype or self.vector.ndim != 1:
            raise SecAggError(f"vector must be 1-D {dtype}, got {self.vector.dtype}")
        data = self.vector.astype(dtype.newbyteorder("<"), copy=False).tobytes()
        return struct.pack(">IBI", self.cid, self.bits, len(self.vector)) + data

    def to_bytes(self) -> bytes:
        return frame(self)

    @classmethod
    def from_bytes(cls, data: bytes) -> MaskedInput:
        r = _unframe(data, kind=cls.kind, name="MaskedInput")
        cid, bits, length = struct.unpack(">IBI", r.take(9))
        if bits not in (32, 64):
            raise SecAggError(f"MaskedInput: ring of {bits} bits; allowed: 32, 64")
        dtype = ring_dtype(bits)
        raw = r.take(length * dtype.itemsize)
        r.done()
        vector = np.frombuffer(raw, dtype=dtype.newbyteorder("<")).astype(dtype)
        return cls(cid=cid, bits=bits, vector=vector)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, MaskedInput):
            return NotImplemented
        return (self.cid, self.bits) == (other.cid, other.bits) and bool(
            np.array_equal(self.vector, other.vector)
        )

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True)
class UnmaskRequest:
    """Round 3, server -> client: who sent a masked input, and which of the client's peers
    dropped out (their mask keys are needed)."""

    kind: ClassVar[int] = 5
    survivors: tuple[int, ...]
    dropped: tuple[int, ...]

    def body(self) -> bytes:
        out = _U32.pack(len(self.survivors)) + b"".join(_U32.pack(c) for c in self.survivors)
        return out + _U32.pack(len(self.dropped)) + b"".join(_U32.pack(c) for c in self.dropped)

    def to_bytes(self) -> bytes:
        return frame(self)

    @classmethod
    def from_bytes(cls, data: bytes) -> UnmaskRequest:
        r = _unframe(data, kind=cls.kind, name="UnmaskRequest")
        survivors = tuple(r.u32() for _ in range(r.count(4)))
        dropped = tuple(r.u32() for _ in range(r.count(4)))
        r.done()
        _unique([*survivors, *dropped], "UnmaskRequest")
        return cls(survivors=survivors, dropped=dropped)


_SHARE = struct.Struct(f">IB{ELEMENT_BYTES}s")
_B, _S = 0, 1


@dataclass(frozen=True)
class UnmaskShares:
    """Round 3, client -> server: shares of ``b`` of survivors and of ``s_sk`` of dropped
    clients, by owner."""

    kind: ClassVar[int] = 6
    cid: int
    b_shares: Mapping[int, bytes]
    s_shares: Mapping[int, bytes]

    def body(self) -> bytes:
        entries = [(o, _B, y) for o, y in sorted(self.b_shares.items())]
        entries += [(o, _S, y) for o, y in sorted(self.s_shares.items())]
        packed = b"".join(_SHARE.pack(*e) for e in entries)
        return _U32.pack(self.cid) + _U32.pack(len(entries)) + packed

    def to_bytes(self) -> bytes:
        return frame(self)

    @classmethod
    def from_bytes(cls, data: bytes) -> UnmaskShares:
        r = _unframe(data, kind=cls.kind, name="UnmaskShares")
        cid = r.u32()
        entries = [_SHARE.unpack(r.take(_SHARE.size)) for _ in range(r.count(_SHARE.size))]
        r.done()
        if any(k not in (_B, _S) for _, k, _ in entries):
            raise SecAggError("UnmaskShares: unknown share kind")
        b = {o: y for o, k, y in entries if k == _B}
        s = {o: y for o, k, y in entries if k == _S}
        if len(b) + len(s) != len(entries) or b.keys() & s.keys():
            raise SecAggError("UnmaskShares names an owner twice")
        return cls(cid=cid, b_shares=b, s_shares=s)


MESSAGES: dict[int, Callable[[bytes], object]] = {
    cls.kind: cls.from_bytes
    for cls in (AdvertiseKeys, KeyList, ShareBundle, MaskedInput, UnmaskRequest, UnmaskShares)
}


def parse(data: bytes) -> object:
    """Any message from its bytes, by the kind in its header; ``SecAggError`` if malformed."""
    if len(data) < _HEAD.size:
        raise SecAggError(f"message is truncated: {len(data)} bytes")
    kind = data[_HEAD.size - 1]
    if kind not in MESSAGES:
        raise SecAggError(f"unknown message kind {kind}")
    return MESSAGES[kind](data)
