"""ERK allocation on hand-computed shapes, and the ERK pruner's guarantees."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from fedprune.prune import PRUNERS
from fedprune.prune.erk import erk_targets


def test_densities_follow_sum_over_product_of_the_dims() -> None:
    # conv (4, 2, 3, 3): (4 + 2 + 3 + 3) / 72; linear (5, 8): 13 / 40. Keep 28 of 112:
    # eps = 28 / (12 + 13) = 1.12, kept 13.44 and 14.56, rounded by largest remainder to 13, 15
    targets = erk_targets(shapes={"conv": (4, 2, 3, 3), "fc": (5, 8)}, target=0.75)

    assert targets == {"conv": 59 / 72, "fc": 25 / 40}


def test_a_layer_that_would_exceed_density_one_is_capped_and_the_rest_redistributed() -> None:
    # (10,) would get density 55 / 30 > 1: dense; (10, 10) keeps the other 45 of 55
    targets = erk_targets(shapes={"w": (10, 10), "b": (10,)}, target=0.5)

    assert targets == {"w": 0.55, "b": 0.0}


def test_already_pruned_entries_cap_a_layer_below_its_share() -> None:
    # (10,) may keep only 5 (5 pruned before), so (10, 10) keeps 50
    targets = erk_targets(shapes={"w": (10, 10), "b": (10,)}, target=0.5, pruned={"b": 5})

    assert targets == {"w": 0.5, "b": 0.5}


@pytest.mark.parametrize(("target", "expected"), [(0.0, 0.0), (1.0, 1.0)])
def test_the_extremes_prune_nothing_or_everything(target: float, expected: float) -> None:
    targets = erk_targets(shapes={"a": (3, 4), "b": (7,), "c": (2, 2, 3, 3)}, target=target)

    assert set(targets.values()) == {expected}


def test_the_target_is_checked() -> None:
    with pytest.raises(ValueError, match="target"):
        erk_targets(shapes={"a": (2, 2)}, target=1.5)


def test_the_pruner_prunes_each_layer_to_its_share_by_smallest_score() -> None:
    scores = {"w": torch.arange(100.0).reshape(10, 10), "b": torch.arange(10.0)}
    masks = {n: torch.ones_like(s, dtype=torch.bool) for n, s in scores.items()}

    new = PRUNERS.get("erk")().compute_masks(scores=scores, masks=masks, target=0.5)

    assert bool(new["b"].all())
    assert new["w"].reshape(-1).tolist() == [False] * 55 + [True] * 45


shapes = st.lists(st.integers(1, 6), min_size=1, max_size=4).map(tuple)


@settings(max_examples=60, deadline=None)
@given(
    layer_shapes=st.lists(shapes, min_size=1, max_size=4),
    target=st.floats(0.0, 1.0),
    prior=st.floats(0.0, 1.0),
    seed=st.integers(0, 2**16),
)
def test_erk_never_revives_and_hits_the_target(
    layer_shapes: list[tuple[int, ...]], target: float, prior: float, seed: int
) -> None:
    gen = torch.Generator().manual_seed(seed)
    scores = {f"t{i}": torch.rand(s, generator=gen) for i, s in enumerate(layer_shapes)}
    masks = {n: torch.rand(s.shape, generator=gen) >= prior for n, s in scores.items()}
    total = sum(s.numel() for s in scores.values())
    already = sum(int((~m).sum()) for m in masks.values())

    new = PRUNERS.get("erk")().compute_masks(scores=scores, masks=masks, target=target)

    for n in scores:
        assert not bool((new[n] & ~masks[n]).any()), n  # nothing revived
    pruned = sum(int((~m).sum()) for m in new.values())
    assert pruned == max(round(target * total), already)


@settings(max_examples=60, deadline=None)
@given(layer_shapes=st.lists(shapes, min_size=2, max_size=4), target=st.floats(0.0, 1.0))
def test_uncapped_layers_get_densities_in_the_erk_ratio(
    layer_shapes: list[tuple[int, ...]], target: float
) -> None:
    named = {f"t{i}": s for i, s in enumerate(layer_shapes)}

    targets = erk_targets(shapes=named, target=target)

    # kept counts of partly pruned layers are within one entry of eps * sum(dims)
    partial = {n: (1 - t) * math.prod(named[n]) for n, t in targets.items() if 0 < t < 1}
    eps = [kept / sum(named[n]) for n, kept in partial.items()]
    if len(eps) >= 2:
        low, high = min(eps), max(eps)
        worst = max(1 / sum(named[n]) for n in partial)
        assert high - low <= 2 * worst + 1e-9
