"""Coordinate-wise trimmed mean over the clients that keep each entry."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
from torch import Tensor

from fedprune.aggregate.registry import AGGREGATORS, Aggregated
from fedprune.aggregate.votes import per_entry, rank_mean

# trim * count lands a hair under an integer in floating point (0.29 * 100 = 28.999...)
_EPS = 1e-9


def trimmed_mean(
    *,
    tensors: Sequence[Mapping[str, Tensor]],
    weights: Sequence[float],
    masks: Sequence[Mapping[str, Tensor]],
    trim: float = 0.1,
) -> Aggregated:
    """Per entry, drop the ``floor(trim * c)`` largest and smallest of its ``c`` keepers' values
    and average the rest.

    Yin et al. 2018, https://arxiv.org/abs/1803.01498 (``trim`` is their β). ``trim < 0.5``
    always leaves at least one value. A client that pruned an entry casts no vote on it, so
    ``c`` counts the clients whose mask keeps the entry; an entry no client keeps is zero and
    pruned in the returned masks. ``weights`` are checked but not used (see ``median``).

    Parameters
    ----------
    trim:
        Fraction β in [0, 0.5) trimmed at each end; 0 is the unweighted mean of the keepers.
    """
    if not 0 <= trim < 0.5:
        raise ValueError(f"trim must be in [0, 0.5), got {trim}")

    def rule(values: Tensor, keep: Tensor, count: Tensor) -> Tensor:
        cut = torch.floor(count.to(torch.float64) * trim + _EPS).to(torch.int64)
        return rank_mean(values=values, keep=keep, lo=cut, hi=count - 1 - cut)

    return per_entry(tensors=tensors, weights=weights, masks=masks, rule=rule)


AGGREGATORS.register("trimmed_mean")(trimmed_mean)
