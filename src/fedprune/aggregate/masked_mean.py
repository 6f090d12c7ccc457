"""Mask-aware mean: each entry averaged over the clients that kept it, with a minimum-votes rule."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
from torch import Tensor

from fedprune.aggregate.mean import check_inputs, weighted_mean
from fedprune.aggregate.registry import AGGREGATORS, Aggregated
from fedprune.aggregate.votes import check_masks


def masked_mean(
    *,
    tensors: Sequence[Mapping[str, Tensor]],
    weights: Sequence[float],
    masks: Sequence[Mapping[str, Tensor]],
    min_votes: int = 1,
    min_share: float = 0.0,
) -> Aggregated:
    """Average each masked entry over the clients whose mask keeps it (FedDST's aggregation).

    Bibikar et al. 2022, https://arxiv.org/abs/2112.09824. An entry is kept when at least
    ``min_votes`` clients keep it and their share of the total weight is at least ``min_share``
    (and above zero); its value is ``sum_k w_k m_k x_k / sum_k w_k m_k``. Every other entry is
    zero and pruned in the returned masks. Tensors without masks get the plain weighted mean.
    Unlike the plain mean, a client that pruned an entry does not drag its average towards zero.

    Parameters
    ----------
    masks:
        One keep-mask dict per update, all naming the same tensors.
    min_votes:
        Fewest clients (>= 1) that must keep an entry for it to survive.
    min_share:
        Smallest share of the total weight, in [0, 1], that must keep an entry.
    """
    total = check_inputs(tensors=tensors, weights=weights)
    if isinstance(min_votes, bool) or not isinstance(min_votes, int) or min_votes < 1:
        raise ValueError(f"min_votes must be an integer >= 1, got {min_votes!r}")
    if not 0 <= min_share <= 1:
        raise ValueError(f"min_share must be in [0, 1], got {min_share}")
    masked = check_masks(tensors=tensors, masks=masks)
    plain = [n for n in tensors[0] if n not in masks[0]]
    out = weighted_mean(tensors=[{n: t[n] for n in plain} for t in tensors], weights=weights)
    kept: dict[str, Tensor] = {}
    for name in masked:
        share = torch.zeros(tensors[0][name].shape, dtype=torch.float64)
        acc = torch.zeros_like(share)
        votes = torch.zeros(share.shape, dtype=torch.int64)
        for t, m, w in zip(tensors, masks, weights, strict=True):
            keep = m[name]
            share.add_(keep, alpha=w / total)
            acc.add_(t[name].to(torch.float64) * keep, alpha=w / total)
            votes.add_(keep)
        kept[name] = (votes >= min_votes) & (share >= min_share) & (share > 0)
        value = torch.where(kept[name], acc / share.where(kept[name], 1.0), 0.0)
        out[name] = value.to(tensors[0][name].dtype)
    return Aggregated(params={n: out[n] for n in tensors[0]}, masks=kept)


AGGREGATORS.register("masked_mean")(masked_mean)
