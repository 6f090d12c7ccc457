"""Client-side pruning: clients prune their trained models before upload."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import Tensor

from fedprune.messages import GlobalModel, Instruction, PruneOrder, Update
from fedprune.prune import Pruner, Schedule
from fedprune.prune.mask import apply_masks
from fedprune.prune.sensitivity_pruner import mean_layer_sparsity
from fedprune.strategy.base import Strategy
from fedprune.strategy.fold import Fold
from fedprune.strategy.server_scores import server_scores


class ClientSidePruning(Strategy):
    """Wraps a strategy so each client prunes to the round's target before it uploads.

    Uploads shrink because pruned entries are not sent. The clients' masks differ, so the server
    reconciles them into one global mask at the same target: an entry no client kept is pruned
    first, then the smallest aggregated scores go (the aggregate is a vote weighted by examples
    and magnitude). Every client thus starts the next round from one consistent sparse model.
    The server scores the aggregate with the order's criterion but has no data: gradient
    criteria (SNIP, Taylor) use the pseudo-gradient, the model before aggregation minus the
    aggregate, and ``random`` a generator seeded by ``(seed, round)`` (see ``server_scores``).
    """

    def __init__(
        self,
        *,
        inner: Strategy,
        order: PruneOrder,
        pruner: Pruner,
        schedule: Schedule,
        seed: int = 0,
    ) -> None:
        self.inner, self.order, self.pruner, self.schedule = inner, order, pruner, schedule
        self.seed = seed

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
        union = {n: torch.stack([u.masks[n] for u in updates]).any(0) for n in new.masks}
        return self._reconcile(
            rnd=rnd, model=model, new=new, union=union, target=target, updates=updates
        )

    def stream(self, *, rnd: int, model: GlobalModel) -> Fold | None:
        """The inner fold plus the union of the clients' masks (a pruner that reads every
        client's layer rates, ``needs_data``, needs the list)."""
        inner = self.inner.stream(rnd=rnd, model=model)
        target = self.schedule.target(rnd)
        if inner is None or target is None:
            return inner
        if getattr(self.pruner, "needs_data", False):
            return None
        return UnionFold(
            inner,
            lambda new, union: self._reconcile(
                rnd=rnd, model=model, new=new, union=union, target=target
            ),
        )

    def _reconcile(
        self,
        *,
        rnd: int,
        model: GlobalModel,
        new: GlobalModel,
        union: dict[str, Tensor],
        target: float,
        updates: Sequence[Update] = (),
    ) -> GlobalModel:
        kept_by_any = {n: union[n] & new.masks[n] for n in new.masks}
        scores = server_scores(
            criterion=self.order.criterion, before=model, after=new, seed=self.seed, rnd=rnd
        )
        if getattr(self.pruner, "needs_data", False):
            # a data-driven pruner: the server follows the clients' per-layer rates
            self.pruner.layer_targets = mean_layer_sparsity(  # type: ignore[attr-defined]
                masks=[u.masks for u in updates], weights=[u.num_examples for u in updates]
            )
        masks = self.pruner.compute_masks(scores=scores, masks=kept_by_any, target=target)
        apply_masks(new.params, masks)
        return GlobalModel(params=new.params, masks=masks)


class UnionFold(Fold):
    """An inner fold, and the union of the updates' keep-masks (an entry some client kept),
    both handed to ``after`` at the end."""

    def __init__(
        self, inner: Fold, after: Callable[[GlobalModel, dict[str, Tensor]], GlobalModel]
    ) -> None:
        self.inner, self.after = inner, after
        self.union: dict[str, Tensor] = {}

    def add(self, update: Update) -> None:
        self.inner.add(update)
        for name, keep in update.masks.items():
            held = self.union.get(name)
            self.union[name] = keep.clone() if held is None else held | keep

    def finish(self) -> GlobalModel:
        return self.after(self.inner.finish(), self.union)
