"""Krum and Multi-Krum: keep the updates closest to their nearest neighbours, then average."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
from torch import Tensor

from fedprune.aggregate.masked_mean import masked_mean
from fedprune.aggregate.mean import check_inputs
from fedprune.aggregate.registry import AGGREGATORS, Aggregated
from fedprune.aggregate.votes import check_masks


def krum_scores(*, points: Tensor, byzantine: int) -> Tensor:
    """Each row's Krum score: the sum of squared distances to its ``n - f - 2`` nearest other
    rows (``f = byzantine``), at least 1 and at most ``n - 1`` of them.

    Blanchard et al. 2017 need ``n > 2f + 2`` for their guarantee; with fewer rows the score
    still uses one neighbour (or none for a single row, scored 0).
    """
    if isinstance(byzantine, bool) or not isinstance(byzantine, int) or byzantine < 0:
        raise ValueError(f"byzantine must be an integer >= 0, got {byzantine!r}")
    n = points.shape[0]
    if n < 2:
        return torch.zeros(n, dtype=torch.float64)
    flat = points.reshape(n, -1).to(torch.float64)
    dist = torch.cdist(flat, flat, compute_mode="donot_use_mm_for_euclid_dist").square()
    dist.fill_diagonal_(float("inf"))  # a row is not its own neighbour
    neighbours = min(max(n - byzantine - 2, 1), n - 1)
    return dist.sort(dim=1).values[:, :neighbours].sum(1)


def krum_select(*, points: Tensor, byzantine: int, m: int) -> list[int]:
    """Indices of the ``m`` rows with the lowest Krum scores, lowest first (ties: lower index)."""
    scores = krum_scores(points=points, byzantine=byzantine)
    return [int(i) for i in torch.sort(scores, stable=True).indices[:m]]


def multi_krum(
    *,
    tensors: Sequence[Mapping[str, Tensor]],
    weights: Sequence[float],
    masks: Sequence[Mapping[str, Tensor]],
    byzantine: int = 0,
    krum_m: int | None = None,
) -> Aggregated:
    """Multi-Krum: the ``krum_m`` updates with the lowest Krum scores, mask-aware averaged.

    Blanchard et al. 2017, https://arxiv.org/abs/1703.02757. ``byzantine`` is the assumed number
    of attackers f; ``krum_m`` defaults to ``n - f`` (at least 1, at most n). Distances are
    between whole models as sent, a pruned entry counting as its zero: measured on shared
    entries only, a client that prunes everything would look close to every other. The chosen
    updates are then combined like ``masked_mean`` (example-weighted, each entry over the chosen
    clients that keep it; an entry none of them keeps is pruned).
    """
    check_inputs(tensors=tensors, weights=weights)
    check_masks(tensors=tensors, masks=masks)
    n = len(tensors)
    if krum_m is not None and (
        isinstance(krum_m, bool) or not isinstance(krum_m, int) or krum_m < 1
    ):
        raise ValueError(f"krum_m must be an integer >= 1, got {krum_m!r}")
    m = min(krum_m if krum_m is not None else max(n - byzantine, 1), n)
    points = torch.stack(
        [torch.cat([t[k].reshape(-1).to(torch.float64) for k in tensors[0]]) for t in tensors]
    )
    chosen = krum_select(points=points, byzantine=byzantine, m=m)
    return masked_mean(
        tensors=[tensors[i] for i in chosen],
        weights=[weights[i] for i in chosen],
        masks=[masks[i] for i in chosen],
    )


def krum(
    *,
    tensors: Sequence[Mapping[str, Tensor]],
    weights: Sequence[float],
    masks: Sequence[Mapping[str, Tensor]],
    byzantine: int = 0,
) -> Aggregated:
    """Krum: the single update with the lowest Krum score (Multi-Krum with ``m = 1``).

    Blanchard et al. 2017, https://arxiv.org/abs/1703.02757. Its masks become the result's.
    """
    return multi_krum(tensors=tensors, weights=weights, masks=masks, byzantine=byzantine, krum_m=1)


AGGREGATORS.register("krum")(krum)
AGGREGATORS.register("multi_krum")(multi_krum)
