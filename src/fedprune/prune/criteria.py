"""Importance criteria: how much each weight matters."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from torch import Tensor

from fedprune.registry import Registry

Criterion = Callable[[Mapping[str, Tensor]], dict[str, Tensor]]
CRITERIA: Registry[Criterion] = Registry("pruning criterion")


@CRITERIA.register("magnitude")
def magnitude(params: Mapping[str, Tensor]) -> dict[str, Tensor]:
    """|w|: the L1 magnitude criterion."""
    return {name: p.detach().abs() for name, p in params.items()}
