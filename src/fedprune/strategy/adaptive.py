"""Adaptive per-client pruning: weaker or smaller clients upload sparser models."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from fedprune.messages import GlobalModel, Instruction, Update
from fedprune.strategy.base import Strategy


def capacity_offsets(*, capacity: Sequence[float], max_extra: float) -> np.ndarray:
    """Extra sparsity per client, ``max_extra * (1 - c / max(c))``: the most capable client
    gets none, one with no capacity ``max_extra`` (pure; capacities >= 0)."""
    c = np.asarray(capacity, dtype=np.float64)
    if c.size == 0 or (c < 0).any():
        raise ValueError("capacities must be a non-empty list of values >= 0")
    top = float(c.max())
    return np.zeros_like(c) if top == 0 else max_extra * (1.0 - c / top)


class AdaptiveClientPruning(Strategy):
    """Client-side pruning whose per-client target is the round's target plus an offset.

    Offsets come from the clients' capacities, fixed at the start: their upload bandwidth tier
    (``fedprune.edge``) and/or their local data size — a client on a slow link or with little
    data uploads a sparser model (cf. PruneFL, Jiang et al. 2022, and FedMP, Jiang et al. 2023,
    https://arxiv.org/abs/2305.02372, which adapt pruning to each client's resources). The
    server still reconciles the uploads into one global mask at the round's (base) target, so
    every client starts the next round from the same model.
    """

    def __init__(self, *, inner: Strategy, offsets: Mapping[int, float]) -> None:
        self.inner, self.offsets = inner, dict(offsets)

    def configure_round(
        self, *, rnd: int, model: GlobalModel, clients: Sequence[int]
    ) -> dict[int, Instruction]:
        plan = self.inner.configure_round(rnd=rnd, model=model, clients=clients)
        out = {}
        for cid, instr in plan.items():
            order = instr.prune
            if order is not None:
                target = min(0.99, max(order.target, order.target + self.offsets.get(cid, 0.0)))
                instr = instr.with_prune(_with_target(order, target))
            out[cid] = instr
        return out

    def aggregate(self, *, rnd: int, model: GlobalModel, updates: Sequence[Update]) -> GlobalModel:
        return self.inner.aggregate(rnd=rnd, model=model, updates=updates)

    def state_dict(self) -> dict[str, Any]:
        """The wrapped strategy's state; the offsets are fixed by the config and the seed."""
        return {"inner": self.inner.state_dict()}


def _with_target(order: Any, target: float) -> Any:
    from dataclasses import replace

    return replace(order, target=target)
