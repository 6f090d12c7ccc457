"""The quantisers' pure maths on small exact numbers."""

from __future__ import annotations

import numpy as np

from fedprune.codec.values.quantise import (
    expand,
    round_to_grid,
    segment_absmax,
    segment_mean_abs,
)


def test_segment_reductions_handle_empty_segments() -> None:
    x = np.array([1.0, -3.0, 2.0, -0.5], dtype=np.float32)
    counts = np.array([2, 0, 2])

    assert segment_absmax(x, counts).tolist() == [3.0, 0.0, 2.0]
    assert segment_mean_abs(x, counts).tolist() == [2.0, 0.0, 1.25]
    assert expand(np.array([3.0, 0.0, 2.0]), counts).tolist() == [3.0, 3.0, 2.0, 2.0]


def test_deterministic_rounding_is_half_to_even_and_clipped() -> None:
    x = np.array([0.5, 1.5, -2.5, 2.4, 9.0], dtype=np.float32)

    q = round_to_grid(x, np.array([1.0], dtype=np.float32), qmax=7, rng=None)

    assert q.tolist() == [0, 2, -2, 2, 7]


def test_zero_scale_gives_zero_symbols() -> None:
    q = round_to_grid(np.zeros(3, np.float32), np.zeros(1, np.float32), qmax=127, rng=None)

    assert q.tolist() == [0, 0, 0]


def test_stochastic_rounding_picks_the_two_neighbours_in_proportion() -> None:
    x = np.full(40_000, 0.25, dtype=np.float32)

    q = round_to_grid(x, np.ones(1, np.float32), qmax=1, rng=np.random.default_rng(0))

    assert set(q.tolist()) == {0, 1}
    # Binomial(40000, 0.25): sd of the mean is 0.0022; allow 5 sd.
    assert abs(q.mean() - 0.25) < 0.011
