"""Per-channel importance of every prunable group, by a registered criterion."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence

import torch
from torch import Tensor, nn

from fedprune.prune.criteria.base import GRADIENT_NEEDS
from fedprune.prune.structured.criteria import CHANNEL_CRITERIA
from fedprune.prune.structured.graph import (
    ROOT_TYPES,
    build_graph,
    prunable_groups,
    pruning_group,
)
from fedprune.prune.structured.units import declared_units, unit_scores


def channel_scores(
    *,
    model: nn.Module,
    example_input: Tensor,
    criterion: str,
    grads: Mapping[str, Tensor] | None = None,
    groups: Sequence[str] | None = None,
    seed: int = 0,
) -> dict[str, Tensor]:
    """Group key -> one float32 score per channel, aggregated over the group's coupled layers.

    ``grads`` maps parameter names to gradients (criteria that need them, e.g. ``"taylor"``:
    every conv/linear weight must have one); ``groups`` restricts scoring to those keys;
    ``seed`` seeds ``"random"``. ``model`` is not modified. ``ValueError`` for an unknown
    criterion or group, a missing gradient, or a group the criterion cannot score (e.g.
    ``"bn_scale"`` on a group without BatchNorm).
    """
    scorer = CHANNEL_CRITERIA.get(criterion)()
    generator = torch.Generator().manual_seed(seed)
    units = declared_units(model)
    if units is not None:
        keys = list(units) if groups is None else list(groups)
        unknown = [k for k in keys if k not in units]
        if unknown:
            raise ValueError(f"unknown unit groups {unknown}; allowed: {list(units)}")
        if scorer.needs in GRADIENT_NEEDS and grads is None:
            raise ValueError(f"criterion {criterion!r} needs gradients, got none")
        return unit_scores(
            model=model,
            units=units,
            criterion=criterion,
            grads=grads,
            keys=keys,
            generator=generator,
        )
    if scorer.needs in GRADIENT_NEEDS:
        model = _with_grads(model=model, grads=grads, criterion=criterion)
    graph = build_graph(model=model, example_input=example_input)
    found = prunable_groups(graph=graph, model=model)
    keys = list(found) if groups is None else list(groups)
    unknown = [k for k in keys if k not in found]
    if unknown:
        raise ValueError(f"unknown channel groups {unknown}; allowed: {list(found)}")
    out: dict[str, Tensor] = {}
    for key in keys:
        score = scorer(pruning_group(graph=graph, group=found[key]), generator=generator)
        if score is None:
            raise ValueError(
                f"criterion {criterion!r} cannot score channel group {key!r} "
                f"(members {list(found[key].members)}): it has no layer the criterion reads; "
                "pass groups= to score only the others"
            )
        out[key] = score.detach().to(device="cpu", dtype=torch.float32)
    return out


def _with_grads(
    *, model: nn.Module, grads: Mapping[str, Tensor] | None, criterion: str
) -> nn.Module:
    """A copy of ``model`` whose conv/linear weights carry ``grads`` in ``.grad``."""
    if grads is None:
        raise ValueError(f"criterion {criterion!r} needs gradients, got none")
    model = copy.deepcopy(model)
    for mod_name, module in model.named_modules():
        if not isinstance(module, ROOT_TYPES):
            continue
        for p_name, p in module.named_parameters(recurse=False):
            name = f"{mod_name}.{p_name}" if mod_name else p_name
            if name not in grads:
                if p_name == "weight":
                    raise ValueError(f"criterion {criterion!r} needs a gradient for {name!r}")
                continue
            g = grads[name]
            if tuple(g.shape) != tuple(p.shape):
                raise ValueError(
                    f"gradient for {name!r} has shape {tuple(g.shape)}, "
                    f"the parameter {tuple(p.shape)}"
                )
            p.grad = g.detach().to(device=p.device, dtype=p.dtype).clone()
    return model
