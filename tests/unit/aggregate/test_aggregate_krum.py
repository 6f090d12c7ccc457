"""Krum and Multi-Krum: exact scores on points of a line, selection, masks, the honest cluster."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from fedprune.aggregate import (
    AGGREGATORS,
    krum,
    krum_scores,
    krum_select,
    multi_krum,
    option_names,
)

T, F = True, False
POINTS = torch.tensor([[0.0], [1.0], [2.0], [10.0]])


def line(*values: float) -> list[dict[str, torch.Tensor]]:
    return [{"w": torch.tensor([float(v)])} for v in values]


def test_scores_sum_the_squared_distances_to_the_nearest_n_minus_f_minus_2() -> None:
    # f = 0: two neighbours each. 0: 1 + 4; 1: 1 + 1; 2: 1 + 4; 10: 64 + 81
    assert torch.equal(krum_scores(points=POINTS, byzantine=0), torch.tensor([5.0, 2, 5, 145]))
    # f = 1: one neighbour each
    assert torch.equal(krum_scores(points=POINTS, byzantine=1), torch.tensor([1.0, 1, 1, 64]))


def test_too_few_points_for_f_still_use_one_neighbour() -> None:
    assert torch.equal(krum_scores(points=POINTS, byzantine=5), torch.tensor([1.0, 1, 1, 64]))
    assert torch.equal(krum_scores(points=POINTS[:1], byzantine=0), torch.tensor([0.0]))


def test_selection_takes_the_lowest_scores_and_breaks_ties_by_index() -> None:
    assert krum_select(points=POINTS, byzantine=0, m=2) == [1, 0]
    assert krum_select(points=POINTS, byzantine=1, m=3) == [0, 1, 2]


def test_krum_returns_the_single_most_central_update() -> None:
    out = krum(tensors=line(0, 1, 2, 10), weights=[1, 1, 1, 1], masks=[{}] * 4)

    assert out.params["w"].item() == 1.0


def test_multi_krum_averages_n_minus_f_updates_weighted_by_examples() -> None:
    out = multi_krum(tensors=line(0, 1, 2, 10), weights=[1, 1, 2, 100], masks=[{}] * 4, byzantine=1)

    assert out.params["w"].item() == 1.25  # (0 + 1 + 2*2) / 4; the outlier's weight is moot


def test_multi_krum_m_caps_at_the_number_of_updates() -> None:
    out = multi_krum(tensors=line(0, 1, 2, 10), weights=[1] * 4, masks=[{}] * 4, krum_m=9)

    assert out.params["w"].item() == 3.25


def test_chosen_updates_are_combined_over_their_keepers_and_their_masks_kept() -> None:
    tensors = [
        {"w": torch.tensor([1.0, 0.0, 0.0])},
        {"w": torch.tensor([3.0, 4.0, 0.0])},
        {"w": torch.tensor([50.0, 50.0, 50.0])},
    ]
    masks = [{"w": torch.tensor(m)} for m in ([T, F, F], [T, T, F], [T, T, T])]

    out = multi_krum(tensors=tensors, weights=[1, 1, 1], masks=masks, byzantine=1)
    single = krum(tensors=tensors, weights=[1, 1, 1], masks=masks, byzantine=1)

    assert torch.equal(out.params["w"], torch.tensor([2.0, 4.0, 0.0]))
    assert torch.equal(out.masks["w"], torch.tensor([T, T, F]))
    assert torch.equal(single.params["w"], torch.tensor([1.0, 0.0, 0.0]))  # 0 and 1 tie
    assert torch.equal(single.masks["w"], torch.tensor([T, F, F]))


def test_a_client_that_prunes_everything_is_not_close_to_everyone() -> None:
    # distances on shared entries only would put the all-pruned client 2 at 0 from both others
    tensors = [
        {"w": torch.tensor([5.0, 5.0])},
        {"w": torch.tensor([5.0, 6.0])},
        {"w": torch.tensor([0.0, 0.0])},
    ]
    masks = [{"w": torch.tensor([T, T])}, {"w": torch.tensor([T, T])}, {"w": torch.tensor([F, F])}]

    out = krum(tensors=tensors, weights=[1, 1, 1], masks=masks)

    assert out.params["w"].tolist() == [5.0, 5.0]


def test_are_registered_with_their_options() -> None:
    assert AGGREGATORS.get("krum") is krum and AGGREGATORS.get("multi_krum") is multi_krum
    assert option_names(krum) == ("byzantine",)
    assert option_names(multi_krum) == ("byzantine", "krum_m")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"byzantine": -1}, "byzantine"), ({"krum_m": 0}, "krum_m"), ({"krum_m": 1.5}, "krum_m")],
)
def test_bad_options_are_rejected(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        multi_krum(tensors=line(0, 1), weights=[1, 1], masks=[{}, {}], **kwargs)


@settings(max_examples=40, deadline=None)
@given(
    honest=st.integers(3, 8),
    attackers=st.integers(0, 3),
    seed=st.integers(0, 2**16),
    far=st.floats(100, 1e4),
)
def test_krum_picks_from_the_honest_cluster_when_attackers_are_far(
    honest: int, attackers: int, seed: int, far: float
) -> None:
    n = honest + attackers
    if n <= 2 * attackers + 2:  # Blanchard et al.'s condition
        return
    gen = torch.Generator().manual_seed(seed)
    good = torch.rand(honest, 3, generator=gen) * 2 - 1  # within [-1, 1]^3
    bad = far + torch.rand(attackers, 3, generator=gen)  # a tight cluster far away
    points = torch.cat([good, bad])
    order = torch.randperm(n, generator=gen)
    tensors = [{"w": points[i]} for i in order]

    chosen = krum_select(points=points[order], byzantine=attackers, m=n - attackers)
    out = multi_krum(tensors=tensors, weights=[1] * n, masks=[{}] * n, byzantine=attackers)

    assert all(int(order[i]) < honest for i in chosen)
    assert bool((out.params["w"].abs() <= 1 + 1e-5).all())
