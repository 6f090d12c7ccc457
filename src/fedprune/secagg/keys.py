"""A client's secrets for one round and the pairwise keys derived from them.

Bonawitz et al. 2017 (https://eprint.iacr.org/2017/281), section 4: each client holds two
X25519 key pairs, ``c`` to agree on the key that encrypts its Shamir shares for a peer and
``s`` to agree on the seed of their pairwise mask, plus a random self-mask seed ``b``. The
Diffie-Hellman output goes through HKDF-SHA256 with a purpose label and the round, so the two
uses never share a key and a key never spans rounds.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_BYTES = 32
MASK_LABEL = b"fedprune secagg pairwise mask"
SHARE_LABEL = b"fedprune secagg share encryption"


@dataclass(frozen=True)
class RoundSecrets:
    """The raw private keys ``c_sk``, ``s_sk`` and self-mask seed ``b`` (32 bytes each)."""

    c_sk: bytes
    s_sk: bytes
    b: bytes

    @classmethod
    def generate(cls, *, randbytes: Callable[[int], bytes] = os.urandom) -> RoundSecrets:
        """Fresh secrets; ``randbytes`` is the randomness source (``os.urandom``)."""
        return cls(c_sk=randbytes(KEY_BYTES), s_sk=randbytes(KEY_BYTES), b=randbytes(KEY_BYTES))

    @property
    def c_pk(self) -> bytes:
        """Public key of ``c_sk``."""
        return public_key(self.c_sk)

    @property
    def s_pk(self) -> bytes:
        """Public key of ``s_sk``."""
        return public_key(self.s_sk)


def public_key(private: bytes) -> bytes:
    """The raw 32-byte X25519 public key of a raw private key."""
    return X25519PrivateKey.from_private_bytes(private).public_key().public_bytes_raw()


def agree(*, private: bytes, peer_public: bytes, label: bytes, rnd: int) -> bytes:
    """A 32-byte key both ends derive: HKDF-SHA256 of the X25519 shared secret, bound to
    ``label`` and round ``rnd``. Symmetric: ``agree(a, B) == agree(b, A)``."""
    try:
        peer = X25519PublicKey.from_public_bytes(peer_public)
        shared = X25519PrivateKey.from_private_bytes(private).exchange(peer)
    except ValueError as exc:  # wrong length, or a low-order point giving an all-zero secret
        raise ValueError(f"key agreement failed: {exc}") from None
    return HKDF(
        algorithm=hashes.SHA256(),
        length=KEY_BYTES,
        salt=None,
        info=label + b" round " + str(rnd).encode(),
    ).derive(shared)
