"""The model's coupled channel groups, from Torch-Pruning's dependency graph, keyed by name."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch_pruning as tp
from torch import Tensor, nn

from fedprune.profile import evaluating

ROOT_TYPES = (nn.modules.conv._ConvNd, nn.Linear)


@dataclass(frozen=True)
class ChannelGroup:
    """Channels that must be removed together (a conv's outputs, its BN, the next layer's
    inputs, every layer tied to them by a residual sum...).

    ``key`` names the group's root: the first conv/linear layer of the group in
    ``model.named_modules()`` order, so the same architecture always gives the same keys.
    ``members`` name every module whose *outputs* are these channels (convs, linears, BNs).
    """

    key: str
    module: nn.Module
    channels: int
    members: tuple[str, ...]


def build_graph(*, model: nn.Module, example_input: Tensor) -> tp.DependencyGraph:
    """Trace ``model`` once on ``example_input``; its modules keep their training flags."""
    with evaluating(model), torch.enable_grad():
        return tp.DependencyGraph().build_dependency(
            model, example_inputs=example_input, verbose=False
        )


def prunable_groups(*, graph: tp.DependencyGraph, model: nn.Module) -> dict[str, ChannelGroup]:
    """Every prunable group of ``graph``, in module order.

    A group is left out when its channels reach the model's output (the classifier's logits,
    or anything summed into them): removing those would change what the model predicts.
    """
    order = {m: i for i, (_, m) in enumerate(model.named_modules())}
    names = {m: n for n, m in model.named_modules()}
    found = []
    for group in graph.get_all_groups(root_module_types=ROOT_TYPES):
        outs = [dep.target for dep, _ in group if graph.is_out_channel_pruning_fn(dep.handler)]
        if any(not node.outputs for node in outs):
            continue
        members = sorted(
            {n.module for n in outs if isinstance(n.module, nn.Module) and n.module in order},
            key=order.__getitem__,
        )
        root = next(m for m in members if isinstance(m, ROOT_TYPES))
        found.append(
            ChannelGroup(
                key=names[root],
                module=root,
                channels=len(group[0].idxs),
                members=tuple(names[m] for m in members),
            )
        )
    found.sort(key=lambda g: order[g.module])
    return {g.key: g for g in found}


def pruning_group(
    *, graph: tp.DependencyGraph, group: ChannelGroup, idxs: list[int] | None = None
) -> tp.dependency.Group:
    """The Torch-Pruning group that removes ``idxs`` (all channels when ``None``) of ``group``,
    indexed in its root's channel order."""
    pruner = graph.get_pruner_of_module(group.module)
    idxs = list(range(group.channels)) if idxs is None else idxs
    return graph.get_pruning_group(group.module, pruner.prune_out_channels, idxs)


def channel_groups(*, model: nn.Module, example_input: Tensor) -> dict[str, int]:
    """Prunable channel groups of ``model``: root module name -> current channel count.

    The final classifier's outputs are never prunable. Order follows ``model.named_modules()``.
    A model that declares its own units (``structured_units()``, e.g. attention heads) lists
    those instead.
    """
    from fedprune.prune.structured.units import declared_units

    units = declared_units(model)
    if units is not None:
        return {k: u.count for k, u in units.items()}
    graph = build_graph(model=model, example_input=example_input)
    return {k: g.channels for k, g in prunable_groups(graph=graph, model=model).items()}
