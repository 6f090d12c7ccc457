"""Pruning modes: how a pruning plan wraps the base strategy (none, client-side, server-side).

``seed`` seeds the server's random scores (criterion ``random``), per round.
"""

from __future__ import annotations

from collections.abc import Callable

from fedprune.messages import PruneOrder
from fedprune.prune import Pruner, Schedule
from fedprune.registry import Registry
from fedprune.strategy.base import Strategy
from fedprune.strategy.client_pruning import ClientSidePruning
from fedprune.strategy.server_pruning import ServerSidePruning

Wrap = Callable[..., Strategy]
PRUNING_MODES: Registry[Wrap] = Registry("pruning mode")


@PRUNING_MODES.register("none")
def _none(
    *, inner: Strategy, order: PruneOrder, pruner: Pruner, schedule: Schedule, seed: int = 0
) -> Strategy:
    return inner


@PRUNING_MODES.register("client")
def _client(
    *, inner: Strategy, order: PruneOrder, pruner: Pruner, schedule: Schedule, seed: int = 0
) -> Strategy:
    return ClientSidePruning(inner=inner, order=order, pruner=pruner, schedule=schedule, seed=seed)


@PRUNING_MODES.register("server")
def _server(
    *, inner: Strategy, order: PruneOrder, pruner: Pruner, schedule: Schedule, seed: int = 0
) -> Strategy:
    return ServerSidePruning(
        inner=inner, criterion=order.criterion, pruner=pruner, schedule=schedule, seed=seed
    )
