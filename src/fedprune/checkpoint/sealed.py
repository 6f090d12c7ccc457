"""Encryption at rest: AES-256-GCM with a per-file random nonce, bound to a name and a tag.

A sealed file is ``MAGIC | version | nonce (12 bytes) | ciphertext | tag (16 bytes)``. The
associated data is the header plus the file's logical name and a format tag, so a file moved
to another name or read as another kind fails authentication like a wrong key or a flipped bit.
"""

from __future__ import annotations

import base64
import binascii
import os
import string
from pathlib import Path

MAGIC = b"FPSEAL"
VERSION = 1
NONCE_BYTES = 12
KEY_BYTES = 32
HEADER_BYTES = len(MAGIC) + 1 + NONCE_BYTES


class SealError(ValueError):
    """A sealed file that cannot be opened, or a key that cannot be used; one line."""


def is_sealed(blob: bytes) -> bool:
    """Whether ``blob`` starts like a sealed file."""
    return blob.startswith(MAGIC)


def seal(data: bytes, *, key: bytes, name: str, tag: str) -> bytes:
    """Encrypt and authenticate ``data`` for storage as ``name`` of kind ``tag``."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    _check_key(key)
    header = MAGIC + bytes([VERSION]) + os.urandom(NONCE_BYTES)
    nonce = header[len(MAGIC) + 1 :]
    return header + AESGCM(key).encrypt(nonce, data, _associated(header, name, tag))


def unseal(blob: bytes, *, key: bytes, name: str, tag: str) -> bytes:
    """The plaintext of a sealed ``blob``; ``SealError`` for a wrong key or any change."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    _check_key(key)
    if not is_sealed(blob):
        raise SealError(f"{name} is not encrypted, but a key was given")
    if len(blob) < HEADER_BYTES + 16:
        raise SealError(f"{name} is truncated ({len(blob)} bytes)")
    if blob[len(MAGIC)] != VERSION:
        raise SealError(f"{name} has encryption format version {blob[len(MAGIC)]}, not {VERSION}")
    header, body = blob[:HEADER_BYTES], blob[HEADER_BYTES:]
    try:
        return AESGCM(key).decrypt(header[len(MAGIC) + 1 :], body, _associated(header, name, tag))
    except InvalidTag:
        raise SealError(f"cannot decrypt {name}: wrong key, or the file was modified") from None


def parse_key(text: str, *, source: str) -> bytes:
    """A 32-byte key from 64 hex digits or from base64 (standard or URL-safe) text.

    ``source`` names where the text came from, for the error; the key never appears in it.
    """
    text = text.strip()
    if len(text) == 2 * KEY_BYTES and all(c in string.hexdigits for c in text):
        return bytes.fromhex(text)
    try:
        key = base64.b64decode(text.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != KEY_BYTES:
        raise SealError(
            f"the key in {source} must be {KEY_BYTES} bytes written as 64 hex digits or in "
            f"base64 ({len(text)} characters given)"
        )
    return key


def key_from_env(var: str) -> bytes:
    """The key in environment variable ``var``; ``SealError`` if unset or malformed."""
    value = os.environ.get(var)
    if not value:
        raise SealError(f"environment variable {var} holds no key")
    return parse_key(value, source=f"environment variable {var}")


def key_from_file(path: Path) -> bytes:
    """The key written in the text file ``path``; ``SealError`` if unreadable or malformed."""
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise SealError(f"cannot read key file {path}: {exc.__class__.__name__}") from None
    return parse_key(text, source=f"key file {path}")


def _check_key(key: bytes) -> None:
    if len(key) != KEY_BYTES:
        raise SealError(f"an AES-256 key has {KEY_BYTES} bytes, got {len(key)}")


def _associated(header: bytes, name: str, tag: str) -> bytes:
    return b"\0".join((header, name.encode("utf-8"), tag.encode("utf-8")))
