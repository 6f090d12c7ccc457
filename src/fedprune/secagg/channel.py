"""Shares in transit: AES-256-GCM between two clients, relayed by the server unread.

Bonawitz et al. 2017 (https://eprint.iacr.org/2017/281), round 1: client u encrypts for peer v
the pair ``(share of s_sk_u, share of b_u)`` under the key they agreed on. The key is fresh
each round and each direction (u -> v, v -> u) encrypts once, so the nonce can be the ordered
pair ``(sender, receiver)``; the round and the pair are also authenticated, so a ciphertext
moved to another pair or round fails to open.
"""

from __future__ import annotations

import struct

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from fedprune.secagg.shamir import ELEMENT_BYTES

_PAIR = struct.Struct(">II")
_NONCE = struct.Struct(">II4x")
TAG_BYTES = 16
PLAINTEXT_BYTES = _PAIR.size + 2 * ELEMENT_BYTES
CIPHERTEXT_BYTES = PLAINTEXT_BYTES + TAG_BYTES


class ChannelError(ValueError):
    """A ciphertext that does not open: wrong key, wrong pair or round, or changed bytes."""


def seal_shares(
    *, key: bytes, rnd: int, sender: int, receiver: int, s_share: bytes, b_share: bytes
) -> bytes:
    """Encrypt ``sender``'s shares for ``receiver``."""
    if len(s_share) != ELEMENT_BYTES or len(b_share) != ELEMENT_BYTES:
        raise ValueError(f"shares must be {ELEMENT_BYTES} bytes each")
    plaintext = _PAIR.pack(sender, receiver) + s_share + b_share
    return AESGCM(key).encrypt(
        _NONCE.pack(sender, receiver), plaintext, _associated(rnd, sender, receiver)
    )


def open_shares(
    *, key: bytes, rnd: int, sender: int, receiver: int, ciphertext: bytes
) -> tuple[bytes, bytes]:
    """``(s_share, b_share)`` that ``sender`` sealed for ``receiver``, or ``ChannelError``."""
    try:
        plaintext = AESGCM(key).decrypt(
            _NONCE.pack(sender, receiver), ciphertext, _associated(rnd, sender, receiver)
        )
    except InvalidTag:
        raise ChannelError(
            f"shares from client {sender} do not open: changed or misrouted"
        ) from None
    if len(plaintext) != PLAINTEXT_BYTES or _PAIR.unpack_from(plaintext) != (sender, receiver):
        raise ChannelError(f"shares from client {sender} are not addressed to {receiver}")
    body = plaintext[_PAIR.size :]
    return body[:ELEMENT_BYTES], body[ELEMENT_BYTES:]


def _associated(rnd: int, sender: int, receiver: int) -> bytes:
    return b"fedprune secagg shares" + struct.pack(">QII", rnd, sender, receiver)
