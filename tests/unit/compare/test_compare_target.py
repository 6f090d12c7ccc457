"""Bytes and time to a target accuracy, on hand-made rows."""

from __future__ import annotations

import pytest

from fedprune.compare import TargetReach, reach_target


def rows(accuracies: list[float]) -> list[dict]:
    return [
        {
            "round": i + 1,
            "accuracy": a,
            "seconds": 0.5 * (i + 1),  # 0.5, 1.0, 1.5, ...
            "bytes_up_total": 100 * (i + 1),
            "bytes_down_total": 1000 * (i + 1),
        }
        for i, a in enumerate(accuracies)
    ]


def test_the_first_round_at_or_above_the_target_counts() -> None:
    reach = reach_target(rows([0.2, 0.85, 0.9, 0.95]), target=0.9)

    assert reach == TargetReach(round=3, bytes=300 + 3000, seconds=0.5 + 1.0 + 1.5)


def test_a_later_dip_does_not_matter_and_equality_reaches() -> None:
    assert reach_target(rows([0.9, 0.1]), target=0.9) == TargetReach(1, 1100, 0.5)


def test_never_reaching_gives_none() -> None:
    assert reach_target(rows([0.1, 0.5, 0.89]), target=0.9) is None
    assert reach_target([], target=0.5) is None


@pytest.mark.parametrize("target", [-0.1, 1.5])
def test_a_target_outside_zero_one_is_refused(target: float) -> None:
    with pytest.raises(ValueError, match="target accuracy"):
        reach_target(rows([0.5]), target=target)


def test_simulated_seconds_replace_wall_seconds_when_the_edge_is_simulated() -> None:
    rows = [
        {
            "round": 1,
            "accuracy": 0.5,
            "bytes_up_total": 1,
            "bytes_down_total": 1,
            "seconds": 0.1,
            "sim_seconds": 30.0,
        },
        {
            "round": 2,
            "accuracy": 0.9,
            "bytes_up_total": 2,
            "bytes_down_total": 2,
            "seconds": 0.1,
            "sim_seconds": 12.5,
        },
    ]
    reach = reach_target(rows, target=0.8)
    assert reach is not None and reach.seconds == 42.5
