"""PruneFL's reconfiguration: the mask that maximises importance per unit of round time.
Pure functions."""

from __future__ import annotations

import math
from collections.abc import Mapping

import torch
from torch import Tensor

__all__ = ["importance_per_cost_masks", "smallest_kept"]


def smallest_kept(*, keep: Tensor, weight: Tensor, count: int) -> Tensor:
    """The ``count`` kept entries of smallest ``|weight|`` (ties: lower flat index)."""
    magnitude = weight.detach().reshape(-1).abs().to(torch.float64)
    magnitude[~keep.reshape(-1)] = math.inf
    out = torch.zeros(keep.numel(), dtype=torch.bool)
    if count > 0:
        out[torch.sort(magnitude, stable=True).indices[:count]] = True
    return out.reshape(keep.shape)


def importance_per_cost_masks(
    *,
    masks: Mapping[str, Tensor],
    weights: Mapping[str, Tensor],
    importance: Mapping[str, Tensor],
    costs: Mapping[str, float],
    fixed_importance: float,
    fixed_cost: float,
    max_decrease: float,
    max_kept: int | None = None,
) -> dict[str, Tensor]:
    """New keep-masks from PruneFL's search (Jiang et al. 2022,
    https://arxiv.org/abs/1909.12326): maximise ``Z(M) / T(M)``, where ``Z(M)`` is the summed
    importance (squared accumulated gradient) of the kept entries plus ``fixed_importance`` (the
    parameters that are never pruned) and ``T(M)`` is ``fixed_cost`` plus ``costs[name]``
    seconds per kept entry of each tensor.

    Per tensor, the ``floor(max_decrease * kept)`` kept entries of smallest ``|w|`` (at most
    ``kept - 1``: a layer keeps a weight) may go; the other kept entries stay. Every entry that
    may go and every pruned entry is then a candidate, taken in decreasing ``importance / cost``
    while that ratio exceeds the objective so far (adding an entry raises a ratio of sums exactly
    when its own ratio is above it, so the first refusal ends the search; ties go to the earlier
    tensor, then the lower flat index). ``max_kept`` caps the candidates taken; the entries that
    stay are never cut for it, so the model shrinks at most ``max_decrease`` per call.
    """
    if fixed_cost <= 0 or not 0 <= max_decrease < 1:
        raise ValueError(
            f"need fixed_cost > 0 and 0 <= max_decrease < 1, got {fixed_cost}, {max_decrease}"
        )
    names = list(masks)
    if not names:
        return {}
    bad = [n for n in names if not costs.get(n, 0.0) > 0]
    if bad:
        raise ValueError(f"every prunable tensor needs a cost > 0 per entry; not {bad[:3]}")
    numerator, denominator = float(fixed_importance), float(fixed_cost)
    stays: dict[str, Tensor] = {}
    ratios, values, steps, owners = [], [], [], []
    for i, name in enumerate(names):
        keep = masks[name].reshape(-1)
        z = importance[name].detach().reshape(-1).to(torch.float64)
        if z.shape != keep.shape or weights[name].numel() != keep.numel():
            raise ValueError(f"{name}: mask, weight and importance sizes differ")
        kept = int(torch.count_nonzero(keep))
        drop = smallest_kept(
            keep=keep, weight=weights[name], count=min(int(max_decrease * kept), kept - 1)
        ).reshape(-1)
        stay = keep & ~drop
        stays[name] = stay
        numerator += float(z[stay].sum())
        denominator += costs[name] * int(torch.count_nonzero(stay))
        candidates = torch.nonzero(~stay).reshape(-1)
        ratios.append(z[candidates] / costs[name])
        values.append(z[candidates])
        steps.append(torch.full((candidates.numel(),), costs[name], dtype=torch.float64))
        owners.append(torch.stack([torch.full_like(candidates, i), candidates], 1))
    ratio = torch.cat(ratios)
    order = torch.sort(-ratio, stable=True).indices  # concatenation order breaks ties
    ratio, gain, cost = ratio[order], torch.cat(values)[order], torch.cat(steps)[order]
    # objective before taking candidate k: (num + gains of 0..k-1) / (den + costs of 0..k-1)
    gained = numerator + torch.cumsum(gain, 0) - gain
    before = gained / (denominator + torch.cumsum(cost, 0) - cost)
    refused = torch.nonzero(ratio <= before).reshape(-1)
    take = int(refused[0]) if refused.numel() else ratio.numel()
    if max_kept is not None:
        staying = sum(int(torch.count_nonzero(s)) for s in stays.values())
        take = min(take, max(0, max_kept - staying))
    chosen = torch.cat(owners)[order[:take]]
    out = {}
    for i, name in enumerate(names):
        new = stays[name].clone()
        new[chosen[chosen[:, 0] == i, 1]] = True
        out[name] = new.reshape(masks[name].shape)
    return out
