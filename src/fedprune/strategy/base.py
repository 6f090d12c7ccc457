"""The ``Strategy`` interface: what happens in a round, independent of where clients run."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence

from torch import Tensor

from fedprune.messages import GlobalModel, Instruction, Update
from fedprune.registry import Registry


class Strategy(ABC):
    """Decides each round's client instructions and how updates become the next global model."""

    @abstractmethod
    def configure_round(
        self, *, rnd: int, model: GlobalModel, clients: Sequence[int]
    ) -> dict[int, Instruction]:
        """Instructions for the sampled ``clients`` in round ``rnd`` (1-based)."""

    @abstractmethod
    def aggregate(self, *, rnd: int, model: GlobalModel, updates: Sequence[Update]) -> GlobalModel:
        """The next global model from this round's validated ``updates``."""

    def remap(self, *, maps: Mapping[str, Tensor]) -> None:
        """Follow a structural change: ``new = old.reshape(-1)[maps[name]]`` for per-weight state.

        Stateless strategies have nothing to do; a wrapper passes the call to its ``inner``.
        """
        inner = getattr(self, "inner", None)
        if isinstance(inner, Strategy):
            inner.remap(maps=maps)


STRATEGIES: Registry[Callable[..., Strategy]] = Registry("strategy")
