"""Example-weighted mean of client tensors (the FedAvg rule)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
from torch import Tensor

from fedprune.aggregate.registry import AGGREGATORS


def weighted_mean(
    *, tensors: Sequence[Mapping[str, Tensor]], weights: Sequence[float]
) -> dict[str, Tensor]:
    """``sum_k w_k x_k / sum_k w_k`` for every tensor name (McMahan et al. 2017).

    Accumulates in float64 so the result does not depend on client order beyond rounding.
    """
    total = check_inputs(tensors=tensors, weights=weights)
    out: dict[str, Tensor] = {}
    for name in tensors[0]:
        acc = torch.zeros(tensors[0][name].shape, dtype=torch.float64)
        for t, w in zip(tensors, weights, strict=True):
            acc.add_(t[name].to(torch.float64), alpha=w / total)
        out[name] = acc.to(tensors[0][name].dtype)
    return out


def check_inputs(*, tensors: Sequence[Mapping[str, Tensor]], weights: Sequence[float]) -> float:
    """Check that updates and weights match (same names and shapes); return the total weight."""
    if not tensors:
        raise ValueError("cannot aggregate zero updates")
    if len(tensors) != len(weights):
        raise ValueError(f"{len(tensors)} updates but {len(weights)} weights")
    total = float(sum(weights))
    if total <= 0:
        raise ValueError(f"aggregation weights must sum to > 0, got {total}")
    names = list(tensors[0])
    for k, t in enumerate(tensors[1:], start=1):
        if list(t) != names:
            raise ValueError(f"update {k} has tensors {sorted(t)}, expected {sorted(names)}")
        for name in names:
            if t[name].shape != tensors[0][name].shape:
                raise ValueError(
                    f"update {k}: {name} has shape {tuple(t[name].shape)}, "
                    f"expected {tuple(tensors[0][name].shape)}"
                )
    return total


AGGREGATORS.register("mean")(weighted_mean)
