"""Structured units a model declares itself (attention heads, feed-forward neurons), for layers
Torch-Pruning's channel graph does not split correctly.

Torch-Pruning traces channels through reshapes one feature at a time, so it would cut single
features out of a head; its head pruning lives in its high-level pruner for
``nn.MultiheadAttention`` and Hugging Face layouts only. A model that knows its heads says
where each unit's slices sit (``structured_units()``) and this module scores and removes them
with plain index selection, behind the same plan format as channel groups.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import torch
from torch import Tensor, nn

from fedprune.models.units import Units, UnitSlice

__all__ = ["UNIT_CRITERIA", "UnitSlice", "Units", "declared_units", "remove_units", "unit_scores"]


def declared_units(model: nn.Module) -> dict[str, Units] | None:
    """The model's own units, or ``None`` when it declares none (Torch-Pruning's graph then)."""
    declare = getattr(model, "structured_units", None)
    return declare() if callable(declare) else None


def _per_unit(t: Tensor, s: UnitSlice, count: int) -> Tensor:
    """``t`` summed to one value per unit along ``s.dim``."""
    moved = t.detach().to(torch.float64).movedim(s.dim, 0)
    return moved.reshape(count, -1).sum(dim=1)


_Grads = Mapping[str, Tensor] | None


def _l1(params: Mapping[str, Tensor], grads: _Grads, u: Units, gen: torch.Generator) -> Tensor:
    total = torch.zeros(u.count, dtype=torch.float64)
    for s in u.slices:
        total += _per_unit(params[s.tensor].abs(), s, u.count)
    return total


def _random(params: Mapping[str, Tensor], grads: _Grads, u: Units, gen: torch.Generator) -> Tensor:
    return torch.rand(u.count, generator=gen)


def _taylor(params: Mapping[str, Tensor], grads: _Grads, u: Units, gen: torch.Generator) -> Tensor:
    if grads is None:
        raise ValueError("criterion 'taylor' needs gradients, got none")
    total = torch.zeros(u.count, dtype=torch.float64)
    for s in u.slices:
        g = grads.get(s.tensor)
        if g is None:
            if s.tensor.endswith("weight"):
                raise ValueError(f"criterion 'taylor' needs a gradient for {s.tensor!r}")
            continue
        total += _per_unit((params[s.tensor] * g).abs(), s, u.count)
    return total


# Criterion -> per-unit score, as the channel criteria of the same names define them.
UNIT_CRITERIA: dict[
    str, Callable[[Mapping[str, Tensor], _Grads, Units, torch.Generator], Tensor]
] = {"l1": _l1, "random": _random, "taylor": _taylor}


def unit_scores(
    *,
    model: nn.Module,
    units: Mapping[str, Units],
    criterion: str,
    grads: Mapping[str, Tensor] | None,
    keys: list[str],
    generator: torch.Generator,
) -> dict[str, Tensor]:
    """One float32 score per unit of each of ``keys``; ``ValueError`` for a criterion that
    cannot score units (``bn_scale``: these layers have no BatchNorm)."""
    params = dict(model.named_parameters())
    out = {}
    for key in keys:
        if criterion not in UNIT_CRITERIA:
            raise ValueError(
                f"criterion {criterion!r} cannot score unit group {key!r} (attention heads or "
                f"feed-forward neurons); allowed: {sorted(UNIT_CRITERIA)}"
            )
        out[key] = UNIT_CRITERIA[criterion](params, grads, units[key], generator).float()
    return out


def remove_units(*, model: nn.Module, plan: Mapping[str, list[int]]) -> None:
    """Remove the planned units (checked index lists) in place; the layers shrink."""
    units = declared_units(model)
    assert units is not None  # the caller dispatched here because the model declares units
    for key, idxs in plan.items():
        if not idxs:
            continue
        u = units[key]
        gone = set(idxs)
        kept = torch.tensor([i for i in range(u.count) if i not in gone], dtype=torch.long)
        for s in u.slices:
            rows = (kept[:, None] * s.size + torch.arange(s.size)).reshape(-1)
            _replace(model, s.tensor, dim=s.dim, rows=rows)


def _replace(model: nn.Module, name: str, *, dim: int, rows: Tensor) -> None:
    owner_name, _, attr = name.rpartition(".")
    owner = model.get_submodule(owner_name)
    old = getattr(owner, attr)
    new = old.detach().index_select(dim, rows.to(old.device)).clone()
    setattr(owner, attr, nn.Parameter(new, requires_grad=old.requires_grad))
    if isinstance(owner, nn.Linear) and attr == "weight":
        owner.out_features, owner.in_features = new.shape
