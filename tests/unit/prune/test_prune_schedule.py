"""Pruning schedules."""

import pytest

from fedprune.prune import SCHEDULES


def test_oneshot_prunes_from_its_round_on() -> None:
    s = SCHEDULES.get("oneshot")(final=0.8, start=3, end=3, frequency=1)
    assert [s.target(r) for r in range(1, 6)] == [None, None, 0.8, 0.8, 0.8]


def test_polynomial_rises_monotonically_to_final() -> None:
    s = SCHEDULES.get("polynomial")(final=0.8, start=2, end=11, frequency=1)
    targets = [s.target(r) for r in range(1, 15)]
    assert targets[0] is None
    ramp = [t for t in targets[1:] if t is not None]
    assert ramp == sorted(ramp)
    assert ramp[-1] == pytest.approx(0.8)
    assert targets[10] == pytest.approx(0.8)  # round 11 = end
    assert ramp[0] == pytest.approx(0.8 * (1 - 0.9**3))  # cubic, Zhu & Gupta 2017


def test_polynomial_frequency_skips_rounds_between_steps() -> None:
    s = SCHEDULES.get("polynomial")(final=0.5, start=1, end=10, frequency=3)
    assert [s.target(r) is not None for r in range(1, 8)] == [
        True,
        False,
        False,
        True,
        False,
        False,
        True,
    ]


def test_polynomial_rejects_end_before_start() -> None:
    with pytest.raises(ValueError, match="end_round"):
        SCHEDULES.get("polynomial")(final=0.5, start=5, end=2, frequency=1)
