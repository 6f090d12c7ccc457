"""The selection rule on synthetic fold scores, where the best setting is known."""

from __future__ import annotations

import pytest

from fedprune.search.selection import fold_stats, select, within_tolerance

# (sparsity, per-fold accuracy); dense first
TABLE = [
    (0.0, [0.90, 0.92]),  # dense: mean 0.91
    (0.5, [0.91, 0.91]),  # 0.91
    (0.8, [0.90, 0.905]),  # 0.9025: 0.0075 below dense
    (0.9, [0.88, 0.90]),  # 0.89: 0.02 below dense
    (0.95, [0.70, 0.72]),  # collapsed
]


def test_picks_the_sparsest_setting_within_tolerance_of_dense() -> None:
    assert select(table=TABLE, tolerance=0.01) == 2
    assert within_tolerance(table=TABLE, dense=0, tolerance=0.01) == [
        True,
        True,
        True,
        False,
        False,
    ]


def test_a_looser_tolerance_allows_more_sparsity_and_zero_allows_only_as_good() -> None:
    assert select(table=TABLE, tolerance=0.02) == 3  # exactly at the edge counts as within
    assert select(table=TABLE, tolerance=0.0) == 1
    assert select(table=TABLE, tolerance=1.0) == 4


def test_dense_is_chosen_when_every_pruned_setting_loses_too_much() -> None:
    table = [(0.5, [0.5, 0.5]), (0.0, [0.9, 0.9]), (0.9, [0.8, 0.8])]

    assert select(table=table, dense=1, tolerance=0.01) == 1


def test_equal_sparsity_goes_to_the_higher_mean_then_the_earlier_row() -> None:
    table = [(0.0, [0.9]), (0.8, [0.895]), (0.8, [0.9]), (0.8, [0.9])]

    assert select(table=table, tolerance=0.01) == 2


def test_fold_stats_are_mean_and_population_std() -> None:
    assert fold_stats([0.8, 0.9]) == pytest.approx((0.85, 0.05))
    assert fold_stats([0.7]) == (0.7, 0.0)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"dense": 5}, "dense must index the table"),
        ({"tolerance": -0.1}, r"tolerance must be in \[0, 1\]"),
    ],
)
def test_bad_arguments_are_rejected(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        select(table=TABLE, **kwargs)


def test_a_point_without_fold_scores_is_rejected() -> None:
    with pytest.raises(ValueError, match="at least one fold score"):
        fold_stats([])
