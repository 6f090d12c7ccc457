"""The mask generator: a 32-byte seed expanded into ring elements by AES-256 in counter mode.

A mask must be computationally indistinguishable from uniform, or the masked input leaks the
input (Bonawitz et al. 2017, https://eprint.iacr.org/2017/281, section 3: "PRG"). AES-CTR's
keystream is a pseudorandom function of the counter under the key, so read as little-endian
``k``-bit words it is uniform over Z_{2^k} to any efficient observer; numpy's PCG64 or Philox
are statistical generators whose state can be recovered from their output. AES runs in
hardware on current CPUs, so the O(n^2) expansions of the protocol stay cheap.
"""

from __future__ import annotations

import numpy as np
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from fedprune.secagg.fixed_point import ring_dtype

SEED_BYTES = 32
_NONCE = bytes(16)  # each seed keys one stream only, so a fixed counter start is safe


def expand(seed: bytes, *, length: int, bits: int) -> np.ndarray:
    """``length`` pseudorandom elements of Z_{2^bits} from ``seed`` (deterministic).

    Raises ``ValueError`` for a seed that is not 32 bytes or a negative length.
    """
    if not isinstance(seed, bytes | bytearray) or len(seed) != SEED_BYTES:
        raise ValueError(f"a PRG seed must be {SEED_BYTES} bytes")
    if length < 0:
        raise ValueError(f"length must be >= 0, got {length}")
    dtype = ring_dtype(bits).newbyteorder("<")
    encryptor = Cipher(algorithms.AES(bytes(seed)), modes.CTR(_NONCE)).encryptor()
    stream = encryptor.update(bytes(length * dtype.itemsize)) + encryptor.finalize()
    return np.frombuffer(stream, dtype=dtype).astype(ring_dtype(bits))
