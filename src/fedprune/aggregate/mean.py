"""Example-weighted mean of client tensors (the FedAvg rule)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
from torch import Tensor

from fedprune.aggregate.registry import AGGREGATORS


def weighted_mean(
    *, tensors: Sequence[Mapping[str, Tensor]], weights: Sequence[float]
) -> dict[str, Tensor]:
    """``sum_k w_k x_k / sum_k w_k`` for every tensor name (McMahan et al. 2017): the
    ``RunningMean`` of the updates, so a list and a stream give the same bits."""
    check_inputs(tensors=tensors, weights=weights)
    mean = RunningMean()
    for t, w in zip(tensors, weights, strict=True):
        mean.add(tensors=t, weight=w)
    return mean.result()


class RunningMean:
    """The example-weighted mean folded in one update at a time, so a server never holds a
    round's updates at once: float64 sums of ``w_k x_k`` and of ``w_k``, divided at the end
    (the result does not depend on client order beyond float64 rounding)."""

    def __init__(self) -> None:
        self.sums: dict[str, Tensor] = {}
        self.dtypes: dict[str, torch.dtype] = {}
        self.total = 0.0
        self.count = 0

    def add(self, *, tensors: Mapping[str, Tensor], weight: float) -> None:
        """Fold in one update; ``ValueError`` if its names or shapes differ from the first's
        or its weight is negative."""
        if not weight >= 0:
            raise ValueError(f"aggregation weights must be >= 0, got {weight}")
        if not self.count:
            self.sums = {n: torch.zeros(t.shape, dtype=torch.float64) for n, t in tensors.items()}
            self.dtypes = {n: t.dtype for n, t in tensors.items()}
        elif list(tensors) != list(self.sums):
            raise ValueError(
                f"update {self.count} has tensors {sorted(tensors)}, expected {sorted(self.sums)}"
            )
        for name, acc in self.sums.items():
            t = tensors[name]
            if t.shape != acc.shape:
                raise ValueError(
                    f"update {self.count}: {name} has shape {tuple(t.shape)}, "
                    f"expected {tuple(acc.shape)}"
                )
            acc.add_(t, alpha=weight)  # float64 arithmetic, without a float64 copy of t
        self.total += float(weight)
        self.count += 1

    def result(self) -> dict[str, Tensor]:
        """The mean so far, each tensor in its updates' dtype."""
        if not self.count:
            raise ValueError("cannot aggregate zero updates")
        if self.total <= 0:
            raise ValueError(f"aggregation weights must sum to > 0, got {self.total}")
        return {n: (s / self.total).to(self.dtypes[n]) for n, s in self.sums.items()}


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
