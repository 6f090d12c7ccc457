"""Federated averaging."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any, ClassVar

from fedprune.aggregate import (
    AGGREGATORS,
    Aggregated,
    takes_masks,
    takes_reference,
    weighted_mean,
)
from fedprune.messages import GlobalModel, Instruction, Update
from fedprune.prune.mask import apply_masks
from fedprune.strategy.base import STRATEGIES, Strategy
from fedprune.strategy.fold import Fold, MeanFold


@STRATEGIES.register("fedavg")
class FedAvg(Strategy):
    """FedAvg (McMahan et al. 2017, https://arxiv.org/abs/1602.05629).

    Every client gets the same ``instruction``, its learning rate multiplied by
    ``lr_decay ** (round - 1)`` (a per-round decay damps the client drift of non-IID rounds);
    the new model is the example-weighted
    ``aggregator`` of the client models, with the global masks re-applied so entries pruned on
    the server stay exactly zero. A mask-aware aggregator also gets the clients' masks, and the
    entries it prunes (e.g. too few votes) leave the global mask too; one that works on deltas
    (norm bounding) also gets the global model as ``reference``. ``aggregator_options`` are
    passed to the aggregator as keywords.
    """

    config_keys: ClassVar[tuple[str, ...]] = ()
    """Constructor keywords taken from the experiment config, as ``section.key``."""

    def __init__(
        self,
        *,
        instruction: Instruction,
        aggregator: str = "mean",
        aggregator_options: Mapping[str, Any] | None = None,
        lr_decay: float = 1.0,
    ) -> None:
        if not 0 < lr_decay <= 1:
            raise ValueError(f"lr_decay must be in (0, 1], got {lr_decay}")
        self.instruction = instruction
        self.lr_decay = lr_decay
        self.aggregate_fn = AGGREGATORS.get(aggregator)
        self.aggregator_options = dict(aggregator_options or {})
        self.mask_aware = takes_masks(self.aggregate_fn)
        self.needs_reference = takes_reference(self.aggregate_fn)

    def configure_round(
        self, *, rnd: int, model: GlobalModel, clients: Sequence[int]
    ) -> dict[int, Instruction]:
        lr = self.instruction.lr * self.lr_decay ** (rnd - 1)
        instruction = replace(self.instruction, lr=lr)
        return {cid: instruction for cid in clients}

    def stream(self, *, rnd: int, model: GlobalModel) -> Fold | None:
        """The plain mean streams (``MeanFold``, the same bits as ``aggregate``); other rules,
        and subclasses with their own ``aggregate``, need the whole list."""
        return self._mean_fold(model) if type(self).aggregate is FedAvg.aggregate else None

    def _mean_fold(self, model: GlobalModel) -> Fold | None:
        return MeanFold(masks=model.masks) if self.aggregate_fn is weighted_mean else None

    def aggregate(self, *, rnd: int, model: GlobalModel, updates: Sequence[Update]) -> GlobalModel:
        options = dict(self.aggregator_options)
        if self.mask_aware:
            options["masks"] = [u.masks for u in updates]
        if self.needs_reference:
            options["reference"] = model.params
        out = self.aggregate_fn(
            tensors=[u.params for u in updates],
            weights=[u.num_examples for u in updates],
            **options,
        )
        params, voted = (out.params, out.masks) if isinstance(out, Aggregated) else (out, {})
        masks = {n: m & voted[n] if n in voted else m.clone() for n, m in model.masks.items()}
        apply_masks(params, masks)
        return GlobalModel(params=params, masks=masks)
