"""Fixed point in Z_{2^k}: exact integer sums, checked capacity, clipping, bad inputs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fedprune.secagg.fixed_point import FixedPoint, from_ring, ring_dtype, to_ring


@settings(max_examples=60, deadline=None)
@given(
    bits=st.sampled_from([32, 64]),
    weights=st.lists(st.integers(0, 300), min_size=1, max_size=12),
    seed=st.integers(0, 2**32 - 1),
)
def test_ring_sum_is_exactly_the_weighted_integer_sum(
    bits: int, weights: list[int], seed: int
) -> None:
    fp = FixedPoint.for_sum(bits=bits, clip=2.0, total_weight=12 * 300)
    rng = np.random.default_rng(seed)
    xs = [rng.uniform(-2.0, 2.0, size=50) for _ in weights]
    xs[0][:2] = [2.0, -2.0]  # the extremes, where overflow would show first
    total = np.zeros(50, dtype=ring_dtype(bits))
    for x, w in zip(xs, weights, strict=True):
        total += fp.encode(x, weight=w)
    expected = sum(w * fp.quantise(x).astype(object) for x, w in zip(xs, weights, strict=True))
    assert fp.decode_int(total).tolist() == list(expected)


def test_decoded_sum_is_within_half_a_step_per_unit_of_weight() -> None:
    fp = FixedPoint.for_sum(bits=32, clip=1.0, total_weight=4 * 100)
    rng = np.random.default_rng(0)
    xs, ws = [rng.uniform(-1, 1, 1000) for _ in range(4)], [100, 7, 55, 1]
    total = sum(fp.encode(x, weight=w) for x, w in zip(xs, ws, strict=True))
    exact = sum(w * x for x, w in zip(xs, ws, strict=True))
    error = np.abs(fp.decode(total) - exact).max()
    assert error <= 0.5 * fp.resolution * sum(ws)
    assert error > 0  # the 32-bit resolution is coarse enough to see


@pytest.mark.parametrize("bits", [32, 64])
def test_for_sum_picks_the_finest_scale_that_cannot_overflow(bits: int) -> None:
    fp = FixedPoint.for_sum(bits=bits, clip=3.0, total_weight=1000)
    assert 1000 * fp.level <= 2 ** (bits - 1) - 1  # the worst case fits the signed range
    assert 1000 * round(3.0 * fp.scale * 2) > 2 ** (bits - 1) - 1  # twice the scale would not
    assert fp.capacity() >= 1000


def test_worst_case_sum_at_capacity_decodes_without_wrapping() -> None:
    fp = FixedPoint.for_sum(bits=32, clip=1.0, total_weight=64)
    total = sum(fp.encode(np.array([5.0, -5.0]), weight=8) for _ in range(8))  # clipped to +-1
    assert fp.decode(total).tolist() == [64.0 * fp.level / fp.scale, -64.0 * fp.level / fp.scale]


def test_a_ring_too_small_for_the_weight_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="32-bit ring cannot hold a sum of total weight"):
        FixedPoint.for_sum(bits=32, clip=1.0, total_weight=2**32)


def test_encoding_a_weight_beyond_capacity_is_refused() -> None:
    fp = FixedPoint.for_sum(bits=32, clip=1.0, total_weight=10)
    with pytest.raises(ValueError, match="may overflow"):
        fp.encode(np.zeros(3), weight=fp.capacity() + 1)


def test_values_beyond_clip_are_clipped() -> None:
    fp = FixedPoint(bits=64, clip=0.5, scale=4.0)
    assert fp.decode(fp.encode(np.array([3.0, -3.0, 0.25, 0.126]))).tolist() == [
        0.5,
        -0.5,
        0.25,
        0.25,
    ]


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_values_are_refused(bad: float) -> None:
    fp = FixedPoint(bits=64, clip=1.0, scale=2.0**20)
    with pytest.raises(ValueError, match="NaN or infinity"):
        fp.encode(np.array([0.0, bad]))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"bits": 16, "clip": 1.0, "scale": 1.0}, "bits must be one of"),
        ({"bits": 64, "clip": 0.0, "scale": 1.0}, "clip must be"),
        ({"bits": 64, "clip": 1.0, "scale": float("nan")}, "scale must be"),
        ({"bits": 64, "clip": 0.1, "scale": 1.0}, "no integer level"),
    ],
)
def test_bad_parameters_are_refused(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        FixedPoint(**kwargs)


@pytest.mark.parametrize("bad", [-1, 1.5, True])
def test_weights_must_be_non_negative_integers(bad: object) -> None:
    with pytest.raises(ValueError, match="weight must be an integer"):
        FixedPoint(bits=64, clip=1.0, scale=1.0).encode(np.zeros(1), weight=bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("bits", [32, 64])
def test_ring_conversion_is_twos_complement(bits: int) -> None:
    q = np.array([0, 1, -1, 2 ** (bits - 1) - 1, -(2 ** (bits - 1))], dtype=np.int64)
    r = to_ring(q, bits=bits)
    assert r.dtype == ring_dtype(bits)
    assert r.tolist()[:3] == [0, 1, 2**bits - 1]
    assert from_ring(r, bits=bits).tolist() == q.tolist()
