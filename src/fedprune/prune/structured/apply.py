"""Physically remove planned channels, and say where every surviving weight came from."""

from __future__ import annotations

import copy
from collections.abc import Mapping

import torch
from torch import Tensor, nn

from fedprune.prune.structured.graph import (
    ChannelGroup,
    build_graph,
    prunable_groups,
    pruning_group,
)
from fedprune.prune.structured.units import declared_units, remove_units


def apply_plan(
    *, model: nn.Module, example_input: Tensor, plan: Mapping[str, Tensor]
) -> dict[str, Tensor]:
    """Prune ``model`` in place (its layers shrink) and return its index maps.

    ``plan`` maps group keys (``channel_groups``) to channel indices to remove. The result
    maps every entry of the new ``state_dict`` to a ``LongTensor`` of the new shape holding,
    per element, its flat index into the old tensor of the same name, so anything shaped like
    the weights (masks, optimiser moments) follows with ``old.reshape(-1)[maps[name]]``.
    Integer buffers (BatchNorm's ``num_batches_tracked``) never shrink and map to themselves.
    Parameters are replaced by new ``nn.Parameter`` objects: rebuild optimisers afterwards.
    ``ValueError`` (and ``model`` untouched) for an unknown group, an index out of range or
    repeated, or a plan that would remove every channel of a group.
    """
    shadow = _index_shadow(model)
    probe = example_input.double() if example_input.is_floating_point() else example_input
    prune_channels(model=shadow, example_input=probe, plan=plan)
    maps = {}
    for name, t in shadow.state_dict().items():
        if t.is_floating_point():
            maps[name] = t.to(torch.long)
        else:
            maps[name] = torch.arange(t.numel()).reshape(t.shape)
    prune_channels(model=model, example_input=example_input, plan=plan)
    for name, t in model.state_dict().items():
        if t.shape != maps[name].shape:  # the two traces disagree: a bug, not bad input
            raise RuntimeError(f"index map of {name!r} does not match the pruned tensor")
    return maps


def prune_channels(*, model: nn.Module, example_input: Tensor, plan: Mapping[str, Tensor]) -> None:
    """Prune ``model`` in place by ``plan``, without index maps; validates the plan first."""
    units = declared_units(model)
    if units is not None:
        sizes = {k: u.count for k, u in units.items()}
        remove_units(model=model, plan=check_plan(groups=sizes, plan=plan))
        return
    graph = build_graph(model=model, example_input=example_input)
    groups = prunable_groups(graph=graph, model=model)
    checked = check_plan(groups=groups, plan=plan)
    for key, idxs in checked.items():
        if idxs:
            pruning_group(graph=graph, group=groups[key], idxs=idxs).prune()


def check_plan(
    *, groups: Mapping[str, ChannelGroup] | Mapping[str, int], plan: Mapping[str, Tensor]
) -> dict[str, list[int]]:
    """``plan`` as sorted index lists in group order, or ``ValueError`` naming the problem.

    ``groups`` maps keys to channel groups or to plain unit counts."""
    unknown = [k for k in plan if k not in groups]
    if unknown:
        raise ValueError(f"unknown channel groups {unknown}; allowed: {list(groups)}")
    out = {}
    for key, group in groups.items():
        if key not in plan:
            continue
        channels = group if isinstance(group, int) else group.channels
        idxs = plan[key]
        if idxs.numel() and (idxs.dim() != 1 or idxs.is_floating_point()):
            raise ValueError(f"plan for {key!r} must be a 1-D integer tensor")
        values = sorted(int(i) for i in idxs.reshape(-1))
        if len(set(values)) != len(values):
            raise ValueError(f"plan for {key!r} repeats a channel index")
        if values and (values[0] < 0 or values[-1] >= channels):
            raise ValueError(f"plan for {key!r} has indices outside [0, {channels})")
        if len(values) >= channels:
            raise ValueError(f"plan would remove all {channels} channels of {key!r}")
        out[key] = values
    return out


def _index_shadow(model: nn.Module) -> nn.Module:
    """A float64 copy of ``model`` whose every floating state tensor holds its own flat indices
    (exact in float64 up to 2**53 elements); pruned alike, it reads off where entries came from.
    """
    shadow = copy.deepcopy(model).double()
    with torch.no_grad():
        for t in shadow.state_dict().values():
            if t.is_floating_point():
                t.copy_(torch.arange(t.numel(), dtype=t.dtype).reshape(t.shape))
    return shadow
