"""Client-side pruning: clients prune their trained models before upload."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from fedprune.messages import GlobalModel, Instruction, PruneOrder, Update
from fedprune.prune import CRITERIA, Pruner, Schedule
from fedprune.prune.mask import apply_masks
from fedprune.strategy.base import Strategy


class ClientSidePruning(Strategy):
    """Wraps a strategy so each client prunes to the round's target before it uploads.

    Uploads shrink because pruned entries are not sent. The clients' masks differ, so the server
    reconciles them into one global mask at the same target: an entry no client kept is pruned
    first, then the smallest aggregated scores go (the aggregate is a vote weighted by examples
    and magnitude). Every client thus starts the next round from one consistent sparse model.
    """

    def __init__(self, *, inner: Strategy, order: PruneOrder, pruner: Pruner, schedule: Schedule):
        self.inner, self.order, self.pruner, self.schedule = inner, order, pruner, schedule

    def configure_round(
        self, *, rnd: int, model: GlobalModel, clients: Sequence[int]
    ) -> dict[int, Instruction]:
        target = self.schedule.target(rnd)
        plan = self.inner.configure_round(rnd=rnd, model=model, clients=clients)
        if target is None:
            return plan
        order = PruneOrder(
            pruner=self.order.pruner,
            criterion=self.order.criterion,
            target=target,
            threshold=self.order.threshold,
        )
        return {cid: instr.with_prune(order) for cid, instr in plan.items()}

    def aggregate(self, *, rnd: int, model: GlobalModel, updates: Sequence[Update]) -> GlobalModel:
        new = self.inner.aggregate(rnd=rnd, model=model, updates=updates)
        target = self.schedule.target(rnd)
        if target is None:
            return new
        kept_by_any = {
            n: torch.stack([u.masks[n] for u in updates]).any(0) & new.masks[n] for n in new.masks
        }
        scores = CRITERIA.get(self.order.criterion)({n: new.params[n] for n in new.masks})
        masks = self.pruner.compute_masks(scores=scores, masks=kept_by_any, target=target)
        apply_masks(new.params, masks)
        return GlobalModel(params=new.params, masks=masks)
