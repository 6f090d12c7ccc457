"""Shamir sharing: any t shares rebuild the secret, fewer are refused, t - 1 reveal nothing."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fedprune.secagg.shamir import (
    ELEMENT_BYTES,
    PRIME,
    ShamirError,
    reconstruct,
    reconstruct_bytes,
    share,
    share_bytes,
)


@st.composite
def sharing(draw: st.DrawFn) -> tuple[int, int, list[int], list[int]]:
    n = draw(st.integers(1, 12))
    t = draw(st.integers(1, n))
    xs = draw(st.lists(st.integers(1, 10_000), min_size=n, max_size=n, unique=True))
    chosen = draw(st.lists(st.sampled_from(xs), min_size=t, max_size=n, unique=True))
    return n, t, xs, chosen


@settings(max_examples=80, deadline=None)
@given(secret=st.integers(0, PRIME - 1), case=sharing(), seed=st.integers(0, 2**32))
def test_any_threshold_subset_rebuilds_the_secret(
    secret: int, case: tuple[int, int, list[int], list[int]], seed: int
) -> None:
    _, t, xs, chosen = case
    shares = share(secret, threshold=t, xs=xs, randbelow=random.Random(seed).randrange)
    assert reconstruct({x: shares[x] for x in chosen}, threshold=t) == secret


@settings(max_examples=40, deadline=None)
@given(secret=st.integers(0, PRIME - 1), case=sharing(), seed=st.integers(0, 2**32))
def test_below_threshold_is_an_error_not_a_guess(
    secret: int, case: tuple[int, int, list[int], list[int]], seed: int
) -> None:
    _, t, xs, _ = case
    shares = share(secret, threshold=t, xs=xs, randbelow=random.Random(seed).randrange)
    few = dict(list(shares.items())[: t - 1])
    with pytest.raises(ShamirError, match=f"below the threshold of {t}"):
        reconstruct(few, threshold=t)


def _coefficients(points: dict[int, int]) -> list[int]:
    """Coefficients (constant first) of the polynomial through ``points``, mod PRIME."""
    out = [0] * len(points)
    for xj, yj in points.items():
        basis, denom = [1], 1
        for xm in points:
            if xm != xj:
                basis = [
                    (a - xm * b) % PRIME for a, b in zip([0, *basis], [*basis, 0], strict=True)
                ]
                denom = denom * (xj - xm) % PRIME
        scale = yj * pow(denom, -1, PRIME) % PRIME
        out = [(o + scale * b) % PRIME for o, b in zip(out, basis, strict=True)]
    return out


@settings(max_examples=40, deadline=None)
@given(
    secrets=st.tuples(st.integers(0, PRIME - 1), st.integers(0, PRIME - 1)),
    t=st.integers(2, 7),
    seed=st.integers(0, 2**32),
)
def test_t_minus_one_shares_fit_every_secret(secrets: tuple[int, int], t: int, seed: int) -> None:
    # perfect secrecy: for the t - 1 shares of secret a there are coefficients with which
    # ``share`` gives secret b the very same shares, so they cannot tell a from b
    a, b = secrets
    xs = list(range(1, t + 1))
    shares = share(a, threshold=t, xs=xs, randbelow=random.Random(seed).randrange)
    seen = {x: shares[x] for x in xs[:-1]}
    coefficients = _coefficients({0: b, **seen})  # degree t - 1 through t points
    assert coefficients[0] == b
    draws = iter(coefficients[1:])
    same = share(b, threshold=t, xs=xs, randbelow=lambda _: next(draws))
    assert {x: same[x] for x in seen} == seen


def test_a_changed_share_changes_the_secret() -> None:
    shares = share(12345, threshold=3, xs=[1, 2, 3], randbelow=random.Random(0).randrange)
    shares[2] = (shares[2] + 1) % PRIME
    assert reconstruct(shares, threshold=3) != 12345


@settings(max_examples=40, deadline=None)
@given(secret=st.binary(min_size=32, max_size=32), seed=st.integers(0, 2**32))
def test_byte_secrets_round_trip_as_66_byte_shares(secret: bytes, seed: int) -> None:
    shares = share_bytes(
        secret, threshold=3, xs=[1, 5, 9, 11], randbelow=random.Random(seed).randrange
    )
    assert {len(y) for y in shares.values()} == {ELEMENT_BYTES}
    assert reconstruct_bytes({x: shares[x] for x in (5, 9, 11)}, threshold=3, length=32) == secret


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: share(1, threshold=3, xs=[1, 2]), r"threshold must be in \[1, 2\]"),
        (lambda: share(1, threshold=1, xs=[1, 1]), "distinct"),
        (lambda: share(1, threshold=1, xs=[0, 1]), "share points must be in"),
        (lambda: share(PRIME, threshold=1, xs=[1]), "secret must be"),
        (lambda: share_bytes(bytes(66), threshold=1, xs=[1]), "at most 65"),
        (lambda: reconstruct_bytes({1: b"\x00"}, threshold=1, length=32), "has 1 bytes"),
        (lambda: reconstruct_bytes({1: b"\xff" * 66}, threshold=1, length=32), "not a field"),
        (lambda: reconstruct({1: 5}, threshold=0), "threshold must be >= 1"),
    ],
)
def test_misuse_is_a_clear_error(call: object, match: str) -> None:
    with pytest.raises(ShamirError, match=match):
        call()  # type: ignore[operator]


def test_shares_that_do_not_hold_a_short_secret_are_detected() -> None:
    shares = share(2**300, threshold=2, xs=[1, 2], randbelow=random.Random(1).randrange)
    as_bytes = {x: y.to_bytes(ELEMENT_BYTES, "big") for x, y in shares.items()}
    with pytest.raises(ShamirError, match="do not hold a 32-byte secret"):
        reconstruct_bytes(as_bytes, threshold=2, length=32)
