"""Shrink a model to the tensor shapes of one pruned elsewhere (a client following the server)."""

from __future__ import annotations

import copy
from collections.abc import Mapping

import torch
from torch import Tensor, nn

from fedprune.prune.structured.apply import prune_channels
from fedprune.prune.structured.graph import ChannelGroup, build_graph, prunable_groups
from fedprune.prune.structured.units import declared_units


def conform(
    *, model: nn.Module, example_input: Tensor, shapes: Mapping[str, tuple[int, ...]]
) -> None:
    """Prune ``model`` in place so that its ``state_dict`` entries named in ``shapes`` get
    those shapes (entries not named are left to follow).

    Only channel counts matter, since the caller then loads the values: each group keeps its
    first channels. ``ValueError`` naming the tensor, with ``model`` untouched, when a name is
    unknown or a shape is not reachable (larger than now, or inconsistent within a group).
    """
    own = model.state_dict()
    for name, shape in shapes.items():
        if name not in own:
            raise ValueError(f"conform: the model has no tensor {name!r}")
        if len(shape) != own[name].dim():
            raise ValueError(
                f"conform: {name!r} has shape {tuple(own[name].shape)}, asked for {tuple(shape)}"
            )
    plan = {}
    for key, (channels, source, target) in _targets(model, example_input, own, shapes).items():
        if target > channels or target < 1:
            raise ValueError(
                f"conform: {source!r} asks for {target} channels in group {key!r}, "
                f"which has {channels}"
            )
        plan[key] = torch.arange(target, channels)
    trial = copy.deepcopy(model)
    prune_channels(model=trial, example_input=example_input, plan=plan)
    got = trial.state_dict()
    for name, shape in shapes.items():
        if tuple(got[name].shape) != tuple(shape):
            raise ValueError(
                f"conform: shape {tuple(shape)} of {name!r} is not reachable by removing "
                f"channels (the group sizes it implies give {tuple(got[name].shape)})"
            )
    prune_channels(model=model, example_input=example_input, plan=plan)


def _targets(
    model: nn.Module,
    example_input: Tensor,
    own: Mapping[str, Tensor],
    shapes: Mapping[str, tuple[int, ...]],
) -> dict[str, tuple[int, str | None, int]]:
    """Group key -> (channels now, the tensor that sets the target, target channel count)."""
    units = declared_units(model)
    if units is not None:
        out = {}
        for key, u in units.items():
            s = next((s for s in u.slices if s.tensor in shapes), None)
            target = u.count if s is None else int(shapes[s.tensor][s.dim]) // s.size
            out[key] = (u.count, None if s is None else s.tensor, target)
        return out
    groups = prunable_groups(
        graph=build_graph(model=model, example_input=example_input), model=model
    )
    return {
        key: (
            g.channels,
            _source(g, own, shapes),
            _target_channels(group=g, own=own, shapes=shapes),
        )
        for key, g in groups.items()
    }


def _member_tensors(group: ChannelGroup, own: Mapping[str, Tensor]) -> list[str]:
    """State entries whose first dimension is the group's channels, root weight first."""
    names = []
    for member in group.members:
        prefix = f"{member}." if member else ""
        for name, t in own.items():
            rest = name[len(prefix) :]
            if name.startswith(prefix) and "." not in rest and t.dim() >= 1:
                names.append(name)
    return names


def _source(group: ChannelGroup, own: Mapping[str, Tensor], shapes: Mapping) -> str | None:
    return next((n for n in _member_tensors(group, own) if n in shapes), None)


def _target_channels(
    *, group: ChannelGroup, own: Mapping[str, Tensor], shapes: Mapping[str, tuple[int, ...]]
) -> int:
    name = _source(group, own, shapes)
    return group.channels if name is None else int(shapes[name][0])
