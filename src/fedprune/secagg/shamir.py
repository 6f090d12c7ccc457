"""t-of-n Shamir secret sharing over the prime field GF(2^521 - 1).

Shamir 1979, https://dl.acm.org/doi/10.1145/359168.359176. A secret is the constant term of a
random polynomial of degree ``t - 1``; share ``x`` is its value at ``x``. Any ``t`` shares give
the secret back by Lagrange interpolation at 0; fewer are consistent with every secret.
2^521 - 1 is a Mersenne prime larger than any 65-byte value, so a 32-byte secret (an X25519
private key, a mask seed) is one field element: no chunking, and a share is 66 bytes.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from types import MappingProxyType

PRIME = 2**521 - 1
ELEMENT_BYTES = 66  # ceil(521 / 8)
MAX_SECRET_BYTES = 65


class ShamirError(ValueError):
    """Sharing or reconstruction that cannot be done as asked; one line."""


def share(
    secret: int,
    *,
    threshold: int,
    xs: Sequence[int],
    randbelow: Callable[[int], int] = secrets.randbelow,
) -> dict[int, int]:
    """Shares ``{x: f(x)}`` of ``secret`` at the distinct non-zero points ``xs``; any
    ``threshold`` of them reconstruct it. ``randbelow`` draws the coefficients."""
    if not 0 <= secret < PRIME:
        raise ShamirError("secret must be an integer in [0, 2^521 - 1)")
    _check_points(xs)
    if not 1 <= threshold <= len(xs):
        raise ShamirError(f"threshold must be in [1, {len(xs)}] for {len(xs)} shares")
    coefficients = [secret] + [randbelow(PRIME) for _ in range(threshold - 1)]
    return {x: _evaluate(coefficients, x) for x in xs}


def reconstruct(shares: Mapping[int, int], *, threshold: int) -> int:
    """The secret from at least ``threshold`` shares ``{x: y}`` (the lowest ``threshold``
    points are used); ``ShamirError`` below the threshold."""
    if threshold < 1:
        raise ShamirError(f"threshold must be >= 1, got {threshold}")
    if len(shares) < threshold:
        raise ShamirError(f"{len(shares)} shares, below the threshold of {threshold}")
    xs = sorted(shares)[:threshold]
    _check_points(xs)
    return sum(shares[x] * c for x, c in lagrange_at_zero(tuple(xs)).items()) % PRIME


@lru_cache(maxsize=256)  # a round reconstructs many secrets from the same holders
def lagrange_at_zero(xs: tuple[int, ...]) -> Mapping[int, int]:
    """Lagrange coefficients ``l_x(0)`` for the points ``xs``: ``f(0) = sum_x l_x(0) f(x)``."""
    out = {}
    for x in xs:
        num, den = 1, 1
        for other in xs:
            if other != x:
                num = num * -other % PRIME
                den = den * (x - other) % PRIME
        out[x] = num * pow(den, -1, PRIME) % PRIME
    return MappingProxyType(out)


def share_bytes(
    secret: bytes,
    *,
    threshold: int,
    xs: Sequence[int],
    randbelow: Callable[[int], int] = secrets.randbelow,
) -> dict[int, bytes]:
    """``share`` for a byte string of at most 65 bytes; each share is 66 bytes, big-endian.

    The length is not hidden: both ends know it (32 bytes in secure aggregation).
    """
    if len(secret) > MAX_SECRET_BYTES:
        raise ShamirError(f"secret of {len(secret)} bytes; at most {MAX_SECRET_BYTES}")
    value = int.from_bytes(secret, "big")
    points = share(value, threshold=threshold, xs=xs, randbelow=randbelow)
    return {x: y.to_bytes(ELEMENT_BYTES, "big") for x, y in points.items()}


def reconstruct_bytes(shares: Mapping[int, bytes], *, threshold: int, length: int) -> bytes:
    """Inverse of ``share_bytes`` for a secret of ``length`` bytes."""
    values = {}
    for x, y in shares.items():
        if len(y) != ELEMENT_BYTES:
            raise ShamirError(f"share {x} has {len(y)} bytes, expected {ELEMENT_BYTES}")
        values[x] = int.from_bytes(y, "big")
        if values[x] >= PRIME:
            raise ShamirError(f"share {x} is not a field element")
    secret = reconstruct(values, threshold=threshold)
    if secret >= 256**length:
        raise ShamirError(f"the shares do not hold a {length}-byte secret")
    return secret.to_bytes(length, "big")


def _evaluate(coefficients: Sequence[int], x: int) -> int:
    y = 0
    for c in reversed(coefficients):  # Horner
        y = (y * x + c) % PRIME
    return y


def _check_points(xs: Sequence[int]) -> None:
    if len(set(xs)) != len(xs):
        raise ShamirError("share points must be distinct")
    if any(not 0 < x < PRIME for x in xs):
        raise ShamirError("share points must be in [1, 2^521 - 1)")
