"""The mask generator: deterministic per seed, distinct across seeds, checked inputs."""

from __future__ import annotations

import numpy as np
import pytest

from fedprune.secagg.prg import expand


@pytest.mark.parametrize("bits", [32, 64])
def test_same_seed_same_stream_and_prefix_stable(bits: int) -> None:
    seed = bytes(range(32))
    long, short = expand(seed, length=1000, bits=bits), expand(seed, length=10, bits=bits)
    assert long.dtype == np.dtype(f"uint{bits}")
    assert np.array_equal(long[:10], short)
    assert np.array_equal(long, expand(seed, length=1000, bits=bits))


def test_different_seeds_give_unrelated_streams() -> None:
    a = expand(bytes(32), length=4096, bits=64)
    b = expand(bytes(31) + b"\x01", length=4096, bits=64)
    assert int(np.count_nonzero(a == b)) == 0


def test_stream_is_aes_ctr_keystream_little_endian() -> None:
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    seed = bytes(range(32))
    enc = Cipher(algorithms.AES(seed), modes.CTR(bytes(16))).encryptor()
    words = np.frombuffer(enc.update(bytes(16)), dtype="<u8")
    assert expand(seed, length=2, bits=64).tolist() == words.tolist()


@pytest.mark.parametrize(
    ("seed", "length", "match"), [(bytes(16), 4, "32 bytes"), (bytes(32), -1, "length")]
)
def test_bad_arguments_are_refused(seed: bytes, length: int, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        expand(seed, length=length, bits=64)
