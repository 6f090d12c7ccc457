"""plan_channels: which channels go, on hand-computed and random scores."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from fedprune.prune.structured import plan_channels


def t(*values: float) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.float64)


def as_lists(plan: dict[str, torch.Tensor]) -> dict[str, list[int]]:
    assert all(v.dtype == torch.long for v in plan.values())
    return {k: v.tolist() for k, v in plan.items()}


def test_layer_scope_removes_the_lowest_round_ratio_n_of_each_group():
    scores = {"a": t(3, 1, 2, 0), "b": t(5, 4), "c": t(9, 7, 8)}

    plan = plan_channels(scores=scores, ratio=0.5, scope="layer")

    # a: round(2) lowest = idx 3 (0) and 1 (1); b: round(1) -> idx 1; c: round(1.5) = 2
    assert as_lists(plan) == {"a": [1, 3], "b": [1], "c": [1, 2]}


def test_global_scope_compares_mean_normalised_scores():
    # means 1.5 and 4: a -> (2, 2/3, 4/3, 0), b -> (2.5, 1/4, 1/4)
    scores = {"a": t(3, 1, 2, 0), "b": t(10, 1, 1)}

    plan = plan_channels(scores=scores, ratio=3 / 7, scope="global")

    # raw scores would remove a3 (0) and two of the 1s in a and b; normalised, b's 1s are lower
    assert as_lists(plan) == {"a": [3], "b": [1, 2]}


def test_every_group_keeps_min_channels():
    scores = {"a": t(3, 1, 2, 0), "b": t(10, 1, 1)}

    everything = plan_channels(scores=scores, ratio=1.0, scope="global", min_channels=2)
    layer = plan_channels(scores=scores, ratio=1.0, scope="layer")

    assert as_lists(everything) == {"a": [1, 3], "b": [1]}
    assert as_lists(layer) == {"a": [1, 2, 3], "b": [1, 2]}


def test_ties_go_to_the_lower_index_and_ratio_zero_removes_nothing():
    scores = {"a": t(1, 1, 1, 1)}

    assert as_lists(plan_channels(scores=scores, ratio=0.5, scope="layer")) == {"a": [0, 1]}
    assert as_lists(plan_channels(scores=scores, ratio=0.5)) == {"a": [0, 1]}
    assert as_lists(plan_channels(scores=scores, ratio=0.0)) == {"a": []}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"ratio": 1.5}, "ratio"),
        ({"ratio": 0.5, "scope": "network"}, "scope"),
        ({"ratio": 0.5, "min_channels": 0}, "min_channels"),
        ({"ratio": 0.5, "round_to": 0}, "round_to"),
    ],
)
def test_bad_arguments_are_rejected(kwargs, message):
    with pytest.raises(ValueError, match=message):
        plan_channels(scores={"a": t(1, 2)}, **kwargs)


def groups_of(values: st.SearchStrategy[float], size: int) -> st.SearchStrategy[dict]:
    return st.dictionaries(
        st.sampled_from(["g0", "g1", "g2", "g3"]),
        st.lists(values, min_size=1, max_size=size),
        min_size=1,
    )


groups = groups_of(st.floats(0.0, 10.0), 12)


def test_round_to_leaves_each_pruned_group_a_multiple_by_removing_its_next_lowest():
    a = t(9, 1, 8, 2, 7, 3, 6, 4, 5, 0, 10, 11)  # 12 channels; lowest first: 9, 1, 3, 5, 7, 8, ...
    scores = {"a": a, "b": t(5, 4, 3), "c": t(*range(1, 21))}

    plan = plan_channels(scores=scores, ratio=0.25, scope="layer", round_to=4)
    # a: 3 planned -> 9 kept -> 8 (4th lowest goes too); b (3 < 4 channels) as planned; c: 5
    # planned -> 15 kept -> 12
    assert as_lists(plan) == {"a": [1, 3, 5, 9], "b": [2], "c": list(range(8))}
    plain = plan_channels(scores=scores, ratio=0.25, scope="layer")
    for key, removed in plain.items():  # the rounded plan extends the plain one
        assert set(removed.tolist()) <= set(plan[key].tolist())
    # a group the plan leaves whole stays whole; none falls below the least multiple >= floor
    assert as_lists(plan_channels(scores=scores, ratio=0.0, round_to=4)) == {
        "a": [],
        "b": [],
        "c": [],
    }
    deep = plan_channels(scores=scores, ratio=0.95, scope="layer", round_to=4, min_channels=5)
    assert {k: scores[k].numel() - len(v) for k, v in deep.items()} == {"a": 8, "b": 3, "c": 8}


@settings(max_examples=60, deadline=None)
@given(raw=groups_of(st.floats(0.0, 10.0), 40), ratio=st.floats(0.0, 1.0), step=st.integers(2, 8))
def test_round_to_kept_counts_are_multiples_and_fall_with_the_ratio(raw, ratio, step):
    scores = {k: torch.tensor(v, dtype=torch.float64) for k, v in raw.items()}

    def kept(r: float) -> dict[str, int]:
        plan = plan_channels(scores=scores, ratio=r, scope="global", round_to=step)
        return {k: s.numel() - len(plan[k]) for k, s in scores.items()}

    now, more = kept(ratio), kept(min(1.0, ratio + 0.1))
    for key, s in scores.items():
        n = s.numel()
        assert now[key] == n or n < step or now[key] % step == 0
        assert more[key] <= now[key]  # what budgets bisect on


def test_bad_scores_are_rejected():
    with pytest.raises(ValueError, match="1-D"):
        plan_channels(scores={"a": torch.ones(2, 2)}, ratio=0.5)
    with pytest.raises(ValueError, match="finite"):
        plan_channels(scores={"a": t(1, float("nan"))}, ratio=0.5)


@settings(max_examples=60, deadline=None)
@given(raw=groups, ratio=st.floats(0.0, 1.0), floor=st.integers(1, 3))
def test_layer_plans_remove_exactly_the_lowest(raw, ratio, floor):
    scores = {k: torch.tensor(v, dtype=torch.float64) for k, v in raw.items()}
    before = {k: v.clone() for k, v in scores.items()}

    plan = plan_channels(scores=scores, ratio=ratio, scope="layer", min_channels=floor)

    assert all(torch.equal(before[k], v) for k, v in scores.items())  # pure
    for key, s in scores.items():
        n = s.numel()
        removed = plan[key]
        assert len(removed) == max(0, min(round(ratio * n), n - floor))
        kept = torch.ones(n, dtype=torch.bool)
        kept[removed] = False
        if len(removed) and kept.any():
            assert s[removed].max() <= s[kept].min()


@settings(max_examples=60, deadline=None)
@given(raw=groups, ratio=st.floats(0.0, 1.0), floor=st.integers(1, 3))
def test_global_plans_remove_the_lowest_normalised_scores_above_the_floor(raw, ratio, floor):
    scores = {k: torch.tensor(v, dtype=torch.float64) for k, v in raw.items()}

    plan = plan_channels(scores=scores, ratio=ratio, scope="global", min_channels=floor)

    total = sum(s.numel() for s in scores.values())
    room = sum(max(0, s.numel() - floor) for s in scores.values())
    assert sum(len(v) for v in plan.values()) == min(round(ratio * total), room)
    removed_max, kept_min = -1.0, float("inf")
    for key, s in scores.items():
        normalised = s / s.mean() if s.mean() > 0 else s
        kept = torch.ones(s.numel(), dtype=torch.bool)
        kept[plan[key]] = False
        assert int(kept.sum()) >= min(floor, s.numel())
        if len(plan[key]):
            removed_max = max(removed_max, float(normalised[plan[key]].max()))
        if int(kept.sum()) > floor:  # a group at its floor may keep lower channels
            kept_min = min(kept_min, float(normalised[kept].min()))
    assert removed_max <= kept_min
