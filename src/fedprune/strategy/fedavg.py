"""Federated averaging."""

from __future__ import annotations

from collections.abc import Sequence

from fedprune.aggregate import AGGREGATORS
from fedprune.messages import GlobalModel, Instruction, Update
from fedprune.prune.mask import apply_masks
from fedprune.strategy.base import STRATEGIES, Strategy


@STRATEGIES.register("fedavg")
class FedAvg(Strategy):
    """FedAvg (McMahan et al. 2017, https://arxiv.org/abs/1602.05629).

    Every client gets the same ``instruction``; the new model is the example-weighted
    ``aggregator`` of the client models, with the global masks re-applied so entries pruned on
    the server stay exactly zero.
    """

    def __init__(self, *, instruction: Instruction, aggregator: str = "mean") -> None:
        self.instruction = instruction
        self.aggregate_fn = AGGREGATORS.get(aggregator)

    def configure_round(
        self, *, rnd: int, model: GlobalModel, clients: Sequence[int]
    ) -> dict[int, Instruction]:
        return {cid: self.instruction for cid in clients}

    def aggregate(self, *, rnd: int, model: GlobalModel, updates: Sequence[Update]) -> GlobalModel:
        params = self.aggregate_fn(
            tensors=[u.params for u in updates], weights=[u.num_examples for u in updates]
        )
        masks = {n: m.clone() for n, m in model.masks.items()}
        apply_masks(params, masks)
        return GlobalModel(params=params, masks=masks)
