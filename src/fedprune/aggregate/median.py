"""Coordinate-wise median over the clients that keep each entry."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from torch import Tensor

from fedprune.aggregate.registry import AGGREGATORS, Aggregated
from fedprune.aggregate.votes import per_entry, rank_mean


def median(
    *,
    tensors: Sequence[Mapping[str, Tensor]],
    weights: Sequence[float],
    masks: Sequence[Mapping[str, Tensor]],
) -> Aggregated:
    """Each entry is the median of the values of the clients whose mask keeps it.

    Yin et al. 2018, https://arxiv.org/abs/1803.01498. With an even number of keepers the two
    middle values are averaged. A client that pruned an entry casts no vote on it (its zero is
    not a value it proposes); an entry no client keeps is zero and pruned in the returned masks.
    Tensors without masks take every client's value. ``weights`` are checked but not used: an
    order statistic counts clients, and a client's claimed example count is not verified.
    """

    def rule(values: Tensor, keep: Tensor, count: Tensor) -> Tensor:
        return rank_mean(values=values, keep=keep, lo=(count - 1) // 2, hi=count // 2)

    return per_entry(tensors=tensors, weights=weights, masks=masks, rule=rule)


AGGREGATORS.register("median")(median)
