"""Server-side pruning: the server prunes the aggregated model."""

from __future__ import annotations

from collections.abc import Sequence

from fedprune.messages import GlobalModel, Instruction, Update
from fedprune.prune import CRITERIA, Pruner, Schedule
from fedprune.prune.mask import apply_masks
from fedprune.strategy.base import Strategy
from fedprune.strategy.fold import Fold, Then
from fedprune.strategy.server_scores import server_scores


class ServerSidePruning(Strategy):
    """Wraps a strategy so the server prunes the aggregate to the round's target.

    Clients train under the global mask (pruned entries stay zero) and upload only kept entries;
    the downlink carries the new, sparser mask. The server has no data, so gradient criteria
    (SNIP, Taylor) score with the round's pseudo-gradient, the model before aggregation minus
    the aggregate, and ``random`` draws from a generator seeded by ``(seed, round)``
    (see ``server_scores``).
    """

    def __init__(
        self,
        *,
        inner: Strategy,
        criterion: str,
        pruner: Pruner,
        schedule: Schedule,
        seed: int = 0,
    ) -> None:
        CRITERIA.get(criterion)  # an unknown name fails here, not rounds later
        self.inner, self.pruner, self.schedule = inner, pruner, schedule
        self.criterion, self.seed = criterion, seed

    def configure_round(
        self, *, rnd: int, model: GlobalModel, clients: Sequence[int]
    ) -> dict[int, Instruction]:
        return self.inner.configure_round(rnd=rnd, model=model, clients=clients)

    def aggregate(self, *, rnd: int, model: GlobalModel, updates: Sequence[Update]) -> GlobalModel:
        return self._prune(rnd, model, self.inner.aggregate(rnd=rnd, model=model, updates=updates))

    def stream(self, *, rnd: int, model: GlobalModel) -> Fold | None:
        """The inner strategy's fold, then pruning: the server prunes the aggregate only."""
        inner = self.inner.stream(rnd=rnd, model=model)
        return None if inner is None else Then(inner, lambda new: self._prune(rnd, model, new))

    def _prune(self, rnd: int, model: GlobalModel, new: GlobalModel) -> GlobalModel:
        target = self.schedule.target(rnd)
        if target is None:
            return new
        scores = server_scores(
            criterion=self.criterion, before=model, after=new, seed=self.seed, rnd=rnd
        )
        masks = self.pruner.compute_masks(scores=scores, masks=new.masks, target=target)
        apply_masks(new.params, masks)
        return GlobalModel(params=new.params, masks=masks)
