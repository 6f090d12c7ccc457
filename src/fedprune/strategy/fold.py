"""Streaming aggregation: a round's updates folded in one at a time, never all held at once."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping

from torch import Tensor

from fedprune.aggregate.mean import RunningMean
from fedprune.messages import GlobalModel, Update
from fedprune.prune.mask import apply_masks


class Fold(ABC):
    """What ``Strategy.stream`` returns: ``add`` each validated update as it is decoded, then
    ``finish`` gives the model ``Strategy.aggregate`` would have given for the same list."""

    @abstractmethod
    def add(self, update: Update) -> None:
        """Fold in one update (its tensors may be freed afterwards)."""

    @abstractmethod
    def finish(self) -> GlobalModel:
        """The next global model from the updates added."""


class MeanFold(Fold):
    """FedAvg's example-weighted mean under the global ``masks`` (entries they prune stay 0)."""

    def __init__(self, *, masks: Mapping[str, Tensor]) -> None:
        self.masks = masks
        self.mean = RunningMean()

    def add(self, update: Update) -> None:
        self.mean.add(tensors=update.params, weight=update.num_examples)

    def finish(self) -> GlobalModel:
        params = self.mean.result()
        masks = {n: m.clone() for n, m in self.masks.items()}
        apply_masks(params, masks)
        return GlobalModel(params=params, masks=masks)


class Then(Fold):
    """An inner fold whose result a wrapper then transforms (a server step, server pruning)."""

    def __init__(self, inner: Fold, after: Callable[[GlobalModel], GlobalModel]) -> None:
        self.inner, self.after = inner, after

    def add(self, update: Update) -> None:
        self.inner.add(update)

    def finish(self) -> GlobalModel:
        return self.after(self.inner.finish())
