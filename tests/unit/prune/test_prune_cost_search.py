"""PruneFL's search on small exact numbers, and its optimality against brute force."""

from __future__ import annotations

import itertools

import pytest
import torch

from fedprune.prune.cost_search import importance_per_cost_masks, smallest_kept


def search(**overrides):
    args = dict(
        masks={"w": torch.tensor([True, True, False, False])},
        weights={"w": torch.tensor([3.0, 1.0, 0.0, 0.0])},
        importance={"w": torch.tensor([4.0, 1.0, 9.0, 0.5])},
        costs={"w": 1.0},
        fixed_importance=0.0,
        fixed_cost=1.0,
        max_decrease=0.5,
    )
    return importance_per_cost_masks(**{**args, **overrides})["w"].tolist()


def test_a_weak_kept_weight_goes_and_an_important_pruned_one_grows() -> None:
    # w1 (|w| = 1) may go; w0 stays: Z/T = 4/2. Candidates by Z/cost: w2 (9) > 2 is taken,
    # Z/T = 13/3; w1 (1) < 13/3 ends the search.
    assert search() == [True, False, True, False]


def test_max_kept_caps_growth_but_never_cuts_the_staying_entries() -> None:
    assert search(max_kept=2) == [True, False, True, False]
    assert search(max_kept=1) == [True, False, False, False]
    assert search(max_kept=0) == [True, False, False, False]


def test_a_large_fixed_cost_keeps_everything_worth_anything() -> None:
    # with T dominated by the fixed cost, every candidate's ratio beats the objective
    assert search(fixed_cost=1e6) == [True, True, True, True]


def test_no_decrease_keeps_every_kept_entry() -> None:
    assert search(max_decrease=0.0, fixed_cost=100.0)[:2] == [True, True]


def test_ties_go_to_the_earlier_tensor_then_the_lower_index() -> None:
    out = importance_per_cost_masks(
        masks={"a": torch.tensor([True, False, False]), "b": torch.tensor([True, False])},
        weights={"a": torch.tensor([1.0, 0.0, 0.0]), "b": torch.tensor([1.0, 0.0])},
        importance={"a": torch.tensor([1.0, 2.0, 2.0]), "b": torch.tensor([1.0, 4.0])},
        costs={"a": 1.0, "b": 2.0},
        fixed_importance=0.0,
        fixed_cost=1.0,
        max_decrease=0.0,
        max_kept=3,
    )
    # all three candidates have ratio 2; the cap of 3 (2 staying) admits the first one only
    assert out["a"].tolist() == [True, True, False]
    assert out["b"].tolist() == [True, False]


def test_a_layer_always_keeps_a_weight() -> None:
    out = smallest_kept(keep=torch.tensor([True, True]), weight=torch.tensor([2.0, 1.0]), count=1)
    assert out.tolist() == [False, True]
    assert search(
        masks={"w": torch.tensor([True, False, False, False])},
        importance={"w": torch.tensor([0.0, 0.0, 0.0, 0.0])},
        max_decrease=0.99,
    ) == [True, False, False, False]


def objective(keep, z, c, fixed_z, fixed_c) -> float:
    return (fixed_z + float(z[keep].sum())) / (fixed_c + float(c[keep].sum()))


@pytest.mark.parametrize("seed", range(40))
def test_the_result_maximises_importance_per_time_over_every_allowed_mask(seed: int) -> None:
    g = torch.Generator().manual_seed(seed)
    n = 7
    keep = torch.rand(n, generator=g) < 0.5
    w = torch.randn(n, generator=g) * keep
    z = torch.rand(n, generator=g, dtype=torch.float64) * 3
    costs = {"a": 0.5, "b": 1.5}
    split = 3  # entries 0..2 are tensor a, 3..6 tensor b
    c = torch.tensor([costs["a"]] * split + [costs["b"]] * (n - split), dtype=torch.float64)
    fixed_z, fixed_c, decrease = float(torch.rand(1, generator=g)), 1.0, 0.5

    out = importance_per_cost_masks(
        masks={"a": keep[:split], "b": keep[split:]},
        weights={"a": w[:split], "b": w[split:]},
        importance={"a": z[:split], "b": z[split:]},
        costs=costs,
        fixed_importance=fixed_z,
        fixed_cost=fixed_c,
        max_decrease=decrease,
    )
    got = torch.cat([out["a"], out["b"]])

    stays = torch.cat(
        [
            t
            & ~smallest_kept(
                keep=t, weight=wt, count=min(int(decrease * int(t.sum())), int(t.sum()) - 1)
            )
            for t, wt in ((keep[:split], w[:split]), (keep[split:], w[split:]))
        ]
    )
    free = [i for i in range(n) if not stays[i]]
    best = max(
        objective(stays | torch.tensor([i in chosen for i in range(n)]), z, c, fixed_z, fixed_c)
        for r in range(len(free) + 1)
        for chosen in itertools.combinations(free, r)
    )
    assert bool((got & stays).eq(stays).all())
    assert objective(got, z, c, fixed_z, fixed_c) == pytest.approx(best, rel=1e-12)


def test_bad_arguments_name_the_problem() -> None:
    with pytest.raises(ValueError, match="fixed_cost > 0"):
        search(fixed_cost=0.0)
    with pytest.raises(ValueError, match="cost > 0"):
        search(costs={"w": 0.0})
    with pytest.raises(ValueError, match="sizes differ"):
        search(importance={"w": torch.ones(3)})
