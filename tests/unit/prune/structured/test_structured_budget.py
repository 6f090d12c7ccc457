"""plan_to_budget: the smallest plan under a MACs or parameter budget."""

import copy

import pytest
import torch

from fedprune.profile import count_macs, count_params
from fedprune.prune.structured import apply_plan, channel_scores, plan_channels, plan_to_budget


def pruned(model, x, plan):
    model = copy.deepcopy(model)
    apply_plan(model=model, example_input=x, plan=plan)
    return model


@pytest.mark.parametrize("name", ["cnn", "resnet"])
def test_flops_budget_is_met_by_the_smallest_global_plan(build, x, name):
    model = build(name)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    scores = channel_scores(model=model, example_input=x, criterion="l1")
    dense = count_macs(model=model, example_input=x)

    plan = plan_to_budget(model=model, example_input=x, scores=scores, flops_ratio=0.25)

    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert count_macs(model=pruned(model, x, plan), example_input=x) <= 0.25 * dense
    # one channel fewer removed (the global plan of ratio (k-1)/total) misses the budget
    removed, total = sum(len(v) for v in plan.values()), sum(s.numel() for s in scores.values())
    same = plan_channels(scores=scores, ratio=removed / total)
    assert all(torch.equal(plan[k], v) for k, v in same.items())
    almost = plan_channels(scores=scores, ratio=(removed - 1) / total)
    assert count_macs(model=pruned(model, x, almost), example_input=x) > 0.25 * dense


def test_params_budget_in_layer_scope(build, x):
    model = build("cnn")
    scores = channel_scores(model=model, example_input=x, criterion="l1")

    plan = plan_to_budget(
        model=model, example_input=x, scores=scores, params_ratio=0.5, scope="layer"
    )

    small = pruned(model, x, plan)
    assert count_params(model=small) <= 0.5 * count_params(model=model)
    assert count_params(model=small) > 0.4 * count_params(model=model)  # not far below
    # layer scope: every group lost about the same fraction
    fractions = [len(plan[k]) / s.numel() for k, s in scores.items()]
    assert max(fractions) - min(fractions) < 0.05


def test_both_budgets_must_hold(build, x):
    model = build("cnn")
    scores = channel_scores(model=model, example_input=x, criterion="l1")

    plan = plan_to_budget(
        model=model, example_input=x, scores=scores, flops_ratio=0.5, params_ratio=0.2
    )

    small = pruned(model, x, plan)
    assert count_params(model=small) <= 0.2 * count_params(model=model)
    assert count_macs(model=small, example_input=x) <= 0.5 * count_macs(
        model=model, example_input=x
    )


def test_no_reduction_needed_gives_an_empty_plan_and_impossible_budgets_fail(build, x):
    model = build("cnn")
    scores = channel_scores(model=model, example_input=x, criterion="l1")

    plan = plan_to_budget(model=model, example_input=x, scores=scores, flops_ratio=1.0)

    assert plan.keys() == scores.keys() and all(len(v) == 0 for v in plan.values())
    with pytest.raises(ValueError, match="unreachable"):
        plan_to_budget(model=model, example_input=x, scores=scores, flops_ratio=1e-4)
    with pytest.raises(ValueError, match="flops_ratio and/or params_ratio"):
        plan_to_budget(model=model, example_input=x, scores=scores)
    with pytest.raises(ValueError, match="params_ratio must be > 0"):
        plan_to_budget(model=model, example_input=x, scores=scores, params_ratio=0.0)


def test_round_to_budget_plans_keep_multiples_and_still_meet_the_budget(build, x):
    model = build("cnn")
    scores = channel_scores(model=model, example_input=x, criterion="l1")
    dense = count_macs(model=model, example_input=x)

    plan = plan_to_budget(model=model, example_input=x, scores=scores, flops_ratio=0.3, round_to=8)

    assert count_macs(model=pruned(model, x, plan), example_input=x) <= 0.3 * dense
    kept = {k: scores[k].numel() - len(v) for k, v in plan.items() if len(v)}
    assert kept and all(n % 8 == 0 for n in kept.values()), kept
    plain = plan_to_budget(model=model, example_input=x, scores=scores, flops_ratio=0.3)
    odd = [k for k, v in plain.items() if len(v) and (scores[k].numel() - len(v)) % 8]
    assert odd, "the plain plan left nothing to round"
