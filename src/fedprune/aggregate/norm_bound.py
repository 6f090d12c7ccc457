"""Norm bounding: clip each update's change to the global model, then the mask-aware mean."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import torch
from torch import Tensor

from fedprune.aggregate.masked_mean import masked_mean
from fedprune.aggregate.mean import check_inputs
from fedprune.aggregate.registry import AGGREGATORS, Aggregated
from fedprune.aggregate.votes import check_masks


def update_norm(
    *, params: Mapping[str, Tensor], masks: Mapping[str, Tensor], reference: Mapping[str, Tensor]
) -> float:
    """L2 norm of ``params - reference`` over every entry ``masks`` keeps (all of an unmasked
    tensor).

    Entries the update prunes are left out: what a client may prune is the mask checks' business,
    and counting ``0 - reference`` there would charge every honest pruning client for it.
    """
    total = 0.0
    for name, x in params.items():
        delta = x.to(torch.float64) - reference[name].to(torch.float64)
        if name in masks:
            delta = delta[masks[name]]
        total += float(delta.square().sum())
    return math.sqrt(total)


def clip_factor(*, norm: float, bound: float) -> float:
    """``min(1, bound / norm)``: what scales an update of ``norm`` to at most ``bound``."""
    return 1.0 if norm <= bound else bound / norm


def norm_bounded_mean(
    *,
    tensors: Sequence[Mapping[str, Tensor]],
    weights: Sequence[float],
    masks: Sequence[Mapping[str, Tensor]],
    reference: Mapping[str, Tensor],
    norm_bound: float,
) -> Aggregated:
    """Scale every update's change ``x_k - g`` to norm at most ``norm_bound``, then average.

    Sun et al. 2019, https://arxiv.org/abs/1911.07963. ``g`` is the global model (``reference``)
    and the norm is ``update_norm``, over the entries the update keeps. Client k then proposes
    ``g + s_k (x_k - g)`` on those entries, ``s_k = min(1, norm_bound / |x_k - g|)``, and the
    proposals are combined like ``masked_mean``: example-weighted, each entry over its keepers,
    an entry nobody keeps pruned. Restricted to the entries every client keeps, the change of
    the global model thus has norm at most ``norm_bound``, whatever weights the clients claim.
    """
    check_inputs(tensors=tensors, weights=weights)
    check_masks(tensors=tensors, masks=masks)
    if not norm_bound > 0:
        raise ValueError(f"norm_bound must be > 0, got {norm_bound}")
    clipped = []
    for t, m in zip(tensors, masks, strict=True):
        s = clip_factor(norm=update_norm(params=t, masks=m, reference=reference), bound=norm_bound)
        clipped.append(
            {n: (reference[n] + s * (x - reference[n])).to(x.dtype) for n, x in t.items()}
        )
    return masked_mean(tensors=clipped, weights=weights, masks=masks)


AGGREGATORS.register("norm_bound")(norm_bounded_mean)
