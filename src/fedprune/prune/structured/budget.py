"""The smallest channel-removal plan that brings a model under a MACs or parameter budget."""

from __future__ import annotations

import copy
from collections.abc import Mapping

from torch import Tensor, nn

from fedprune.profile import count_macs, count_params
from fedprune.prune.structured.apply import prune_channels
from fedprune.prune.structured.plan import Plan, plan_channels


def plan_to_budget(
    *,
    model: nn.Module,
    example_input: Tensor,
    scores: Mapping[str, Tensor],
    flops_ratio: float | None = None,
    params_ratio: float | None = None,
    scope: str = "global",
    min_channels: int = 1,
    round_to: int = 1,
) -> Plan:
    """The ``plan_channels`` plan with the smallest ratio whose pruned model keeps MACs <=
    ``flops_ratio`` x today's (``count_macs``) and/or parameters <= ``params_ratio`` x today's.

    ``round_to`` rounds each pruned group's kept channels as ``plan_channels`` does.
    Bisection on the ratio; each candidate is measured on a pruned deep copy, ``model`` is not
    modified. A ratio of 1 or more returns an empty plan. ``ValueError`` when even
    ``min_channels`` per group cannot meet the budget.
    """
    if flops_ratio is None and params_ratio is None:
        raise ValueError("give flops_ratio and/or params_ratio")
    for name, value in (("flops_ratio", flops_ratio), ("params_ratio", params_ratio)):
        if value is not None and not value > 0.0:
            raise ValueError(f"{name} must be > 0, got {value}")
    macs_goal = (
        None
        if flops_ratio is None
        else flops_ratio * count_macs(model=model, example_input=example_input)
    )
    params_goal = None if params_ratio is None else params_ratio * count_params(model=model)
    seen: dict[tuple[int, ...], bool] = {}

    def fits(plan: Plan) -> bool:
        signature = tuple(len(plan[k]) for k in sorted(plan))
        if signature not in seen:  # cost depends only on how many channels each group keeps
            trial = copy.deepcopy(model)
            prune_channels(model=trial, example_input=example_input, plan=plan)
            macs_ok = (
                macs_goal is None
                or count_macs(model=trial, example_input=example_input) <= macs_goal
            )
            params_ok = params_goal is None or count_params(model=trial) <= params_goal
            seen[signature] = macs_ok and params_ok
        return seen[signature]

    def plan_at(ratio: float) -> Plan:
        return plan_channels(
            scores=scores, ratio=ratio, scope=scope, min_channels=min_channels, round_to=round_to
        )

    lo, hi = 0.0, 1.0
    if fits(plan_at(lo)):
        return plan_at(lo)
    if not fits(plan_at(hi)):
        raise ValueError(
            f"budget unreachable: even {min_channels} channel(s) per group exceed "
            f"flops_ratio={flops_ratio}, params_ratio={params_ratio}"
        )
    total = max(1, sum(s.numel() for s in scores.values()))
    # global plans change only at multiples of 1/total; layer plans at (j + 1/2)/n per group
    tol = min(1e-4, 1.0 / (2 * total))
    while hi - lo > tol:
        mid = (lo + hi) / 2
        if fits(plan_at(mid)):
            hi = mid
        else:
            lo = mid
    return plan_at(hi)
