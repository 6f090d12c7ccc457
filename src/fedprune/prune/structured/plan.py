"""Which channels to remove, from per-channel scores: a pure function of the scores."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import torch
from torch import Tensor

Plan = dict[str, Tensor]
"""Group key -> sorted ``LongTensor`` of the channel indices to remove."""


def _plan_layer(scores: Mapping[str, Tensor], ratio: float, min_channels: int) -> Plan:
    plan = {}
    for key, s in scores.items():
        n = s.numel()
        k = max(0, min(round(ratio * n), n - min_channels))
        plan[key] = _lowest(s, k)
    return plan


def _plan_global(scores: Mapping[str, Tensor], ratio: float, min_channels: int) -> Plan:
    keys = list(scores)
    normalised, owner, index = [], [], []
    for g, key in enumerate(keys):
        s = scores[key].detach().reshape(-1).to(torch.float64)
        mean = float(s.mean()) if s.numel() else 0.0
        normalised.append(s / mean if mean > 0 else s)
        owner.append(torch.full_like(s, g, dtype=torch.long))
        index.append(torch.arange(s.numel()))
    if not keys:
        return {}
    flat, owners, indices = torch.cat(normalised), torch.cat(owner), torch.cat(index)
    budget = round(ratio * flat.numel())
    left = [scores[k].numel() for k in keys]
    removed: list[list[int]] = [[] for _ in keys]
    for pos in torch.sort(flat, stable=True).indices.tolist():
        if budget == 0:
            break
        g = int(owners[pos])
        if left[g] > min_channels:
            removed[g].append(int(indices[pos]))
            left[g] -= 1
            budget -= 1
    return {
        k: torch.tensor(sorted(r), dtype=torch.long) for k, r in zip(keys, removed, strict=True)
    }


SCOPES: dict[str, Callable[[Mapping[str, Tensor], float, int], Plan]] = {
    "global": _plan_global,
    "layer": _plan_layer,
}


def plan_channels(
    *,
    scores: Mapping[str, Tensor],
    ratio: float,
    scope: str = "global",
    min_channels: int = 1,
    round_to: int = 1,
) -> Plan:
    """Channels to remove: group key -> sorted ``LongTensor`` of indices (maybe empty).

    ``scope="layer"`` removes the ``round(ratio * n)`` lowest-scored channels of each group;
    ``"global"`` first divides each group's scores by their mean (mean-normalised, so groups
    of different scale compete fairly) and removes the lowest ``round(ratio * total)``
    channels of all groups. Either way every group keeps at least ``min_channels``; ties go to
    the lower index. With ``round_to`` > 1, each group the plan prunes keeps a multiple of
    ``round_to`` channels: its kept count rounded down (its next-lowest channels go too), but
    not below the least multiple >= ``min_channels`` (a group smaller than that is left as
    planned). Pure: depends only on the arguments.
    """
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}; allowed: {sorted(SCOPES)}")
    if not 0.0 <= ratio <= 1.0:
        raise ValueError(f"ratio must be in [0, 1], got {ratio}")
    if min_channels < 1:
        raise ValueError(f"min_channels must be >= 1, got {min_channels}")
    if round_to < 1:
        raise ValueError(f"round_to must be >= 1, got {round_to}")
    for key, s in scores.items():
        if s.dim() != 1:
            raise ValueError(f"scores for {key!r} must be 1-D, got shape {tuple(s.shape)}")
        if not bool(torch.isfinite(s).all()):
            raise ValueError(f"scores for {key!r} are not all finite")
    plan = SCOPES[scope](scores, ratio, min_channels)
    return plan if round_to == 1 else _round_kept(plan, scores, round_to, min_channels)


def _round_kept(plan: Plan, scores: Mapping[str, Tensor], round_to: int, min_channels: int) -> Plan:
    """Channel counts a multiple of ``round_to`` where a group is pruned at all, as hardware
    kernels favour (tensor cores want multiples of 8; on this project's CPU it is a mixed
    result: benchmarks/channel_rounding.py). Either scope removes each group's channels
    lowest score first, so removing more in the same order extends its plan; a group's kept
    count falls as the ratio grows, so budgets still bisect."""
    floor = -(-min_channels // round_to) * round_to  # the least multiple >= min_channels
    out = {}
    for key, removed in plan.items():
        n = scores[key].numel()
        kept = n - removed.numel()
        if removed.numel() == 0 or n < floor:
            out[key] = removed
            continue
        out[key] = _lowest(scores[key], n - max(floor, kept // round_to * round_to))
    return out


def _lowest(scores: Tensor, k: int) -> Tensor:
    order = torch.sort(scores.detach().to(torch.float64), stable=True).indices
    return order[:k].sort().values.to(torch.long)
