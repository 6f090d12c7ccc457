"""Neighbour graphs: everyone, or SecAgg+'s k-regular ring in a seeded order."""

from __future__ import annotations

import pytest

from fedprune.secagg.graph import neighbours


def test_without_k_everyone_is_a_peer() -> None:
    g = neighbours([3, 1, 7], k=None)
    assert g == {1: {3, 7}, 3: {1, 7}, 7: {1, 3}}


@pytest.mark.parametrize(("n", "k"), [(10, 2), (10, 4), (31, 6)])
def test_k_regular_symmetric_and_seeded(n: int, k: int) -> None:
    g = neighbours(list(range(n)), k=k, seed=5)
    assert all(len(p) == k and c not in p for c, p in g.items())
    assert all(c in g[v] for c, p in g.items() for v in p)  # symmetric
    assert g == neighbours(list(range(n)), k=k, seed=5)
    assert g != neighbours(list(range(n)), k=k, seed=6)


def test_k_of_n_minus_one_or_more_is_the_complete_graph() -> None:
    assert neighbours(list(range(5)), k=4) == neighbours(list(range(5)), k=None)


@pytest.mark.parametrize(
    ("ids", "k", "match"), [([1, 1, 2], None, "distinct"), (list(range(9)), 3, "even")]
)
def test_bad_input_is_refused(ids: list[int], k: int | None, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        neighbours(ids, k=k)
