"""PruneFL: the server reconfigures the global mask by importance per unit of round time."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

import torch
from torch import Tensor

from fedprune.messages import GlobalModel, Instruction, Update
from fedprune.prune.cost_search import importance_per_cost_masks
from fedprune.strategy.base import Strategy


class PruneFL(Strategy):
    """Adaptive pruning and regrowth (Jiang et al. 2022, https://arxiv.org/abs/1909.12326).

    In a reconfiguration round (``start_round``, then every ``every`` rounds) each client also
    uploads its importance per entry, the squared sum of its round's data-loss gradients times
    its example count, pruned entries included (``Instruction.importance``; the bytes are
    counted). The server sums them and keeps the entries that maximise importance per second
    of a round under the time model ``fixed_cost + sum(costs[tensor] per kept entry)``
    (``importance_per_cost_masks``): the smallest weights, up to ``max_decrease`` of each
    tensor (halving every ``half_life`` rounds), may go, and the pruned entries whose
    importance per cost beats the objective grow back, from zero. ``max_density`` caps the
    kept share of the prunable entries (the paper's bounded model size); unset, the search
    alone sizes the model. Between reconfigurations it only passes through.

    Wraps the strategy that sets the starting mask (server-side pruning, or none to start
    dense). Clients train under the global mask, as with server-side pruning; PruneFL's
    initial pruning at one client is not reproduced: the wrapped schedule plays that part.
    """

    def __init__(
        self,
        *,
        inner: Strategy,
        every: int,
        start_round: int,
        max_decrease: float,
        half_life: float,
        costs: Mapping[str, float],
        fixed_cost: float,
        max_density: float | None = None,
    ) -> None:
        if every < 1 or start_round < 1 or not 0 < max_decrease < 1 or half_life <= 0:
            raise ValueError(
                "need every >= 1, start_round >= 1, 0 < max_decrease < 1, half_life > 0; got "
                f"{every}, {start_round}, {max_decrease}, {half_life}"
            )
        if max_density is not None and not 0 < max_density <= 1:
            raise ValueError(f"max_density must be in (0, 1], got {max_density}")
        self.inner, self.every, self.start_round = inner, every, start_round
        self.max_decrease, self.half_life = max_decrease, half_life
        self.costs, self.fixed_cost, self.max_density = dict(costs), fixed_cost, max_density

    def reconfigures(self, rnd: int) -> bool:
        """Whether round ``rnd`` ends with a reconfiguration."""
        return rnd >= self.start_round and (rnd - self.start_round) % self.every == 0

    def decrease(self, rnd: int) -> float:
        """The share of each tensor's kept entries that may go in round ``rnd``."""
        return self.max_decrease * 0.5 ** (rnd / self.half_life)

    def configure_round(
        self, *, rnd: int, model: GlobalModel, clients: Sequence[int]
    ) -> dict[int, Instruction]:
        plan = self.inner.configure_round(rnd=rnd, model=model, clients=clients)
        if not self.reconfigures(rnd):
            return plan
        return {c: replace(i, importance=True) for c, i in plan.items()}

    def aggregate(self, *, rnd: int, model: GlobalModel, updates: Sequence[Update]) -> GlobalModel:
        new = self.inner.aggregate(rnd=rnd, model=model, updates=updates)
        scored = [u.importance for u in updates if u.importance is not None]
        if not self.reconfigures(rnd) or not scored:
            return new
        total = summed(scored)
        prunable = set(new.masks)
        entries = sum(m.numel() for m in new.masks.values())
        masks = importance_per_cost_masks(
            masks=new.masks,
            weights={n: new.params[n] for n in new.masks},
            importance=total,
            costs=self.costs,
            fixed_importance=sum(float(z.sum()) for n, z in total.items() if n not in prunable),
            fixed_cost=self.fixed_cost,
            max_decrease=self.decrease(rnd),
            max_kept=None if self.max_density is None else int(self.max_density * entries),
        )
        params = dict(new.params)
        for name, keep in masks.items():
            params[name] = params[name] * keep
        return GlobalModel(params=params, masks=masks)


def summed(scores: Sequence[Mapping[str, Tensor]]) -> dict[str, Tensor]:
    """Entry-wise sum of the clients' importance tensors, in float64."""
    out = {n: torch.zeros(z.shape, dtype=torch.float64) for n, z in scores[0].items()}
    for s in scores:
        for n, z in s.items():
            out[n] += z.to(torch.float64)
    return out
