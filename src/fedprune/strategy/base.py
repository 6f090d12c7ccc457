"""The ``Strategy`` interface: what happens in a round, independent of where clients run."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from torch import Tensor

from fedprune.messages import GlobalModel, Instruction, Update
from fedprune.registry import Registry

if TYPE_CHECKING:
    from fedprune.strategy.fold import Fold


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

    def stream(self, *, rnd: int, model: GlobalModel) -> Fold | None:
        """A ``Fold`` taking round ``rnd``'s updates one at a time and giving what ``aggregate``
        would, so the server never holds them all; ``None`` (the default) when the strategy
        needs the whole list (robust rules, client masks, wrappers that read the updates)."""
        return None

    def client_view(self, *, cid: int, model: GlobalModel) -> GlobalModel:
        """What client ``cid`` is sent and trains: the global model itself, unless the strategy
        gives clients submodels (HeteroFL's widths); a wrapper asks its ``inner``."""
        inner = getattr(self, "inner", None)
        return inner.client_view(cid=cid, model=model) if isinstance(inner, Strategy) else model

    def remap(self, *, maps: Mapping[str, Tensor]) -> None:
        """Follow a structural change: ``new = old.reshape(-1)[maps[name]]`` for per-weight state.

        Stateless strategies have nothing to do; a wrapper passes the call to its ``inner``.
        """
        inner = getattr(self, "inner", None)
        if isinstance(inner, Strategy):
            inner.remap(maps=maps)

    def state_dict(self) -> dict[str, Any]:
        """What must survive a checkpoint: tensors and JSON values (see ``fedprune.checkpoint``).

        Stateless strategies hold nothing; a wrapper returns ``{"inner": inner.state_dict()}``.
        """
        inner = getattr(self, "inner", None)
        return {"inner": inner.state_dict()} if isinstance(inner, Strategy) else {}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore what ``state_dict()`` returned; ``ValueError`` if it does not fit."""
        inner = getattr(self, "inner", None)
        expected = {"inner"} if isinstance(inner, Strategy) else set()
        if set(state) != expected:
            name = type(self).__name__
            raise ValueError(f"{name}: state has keys {sorted(state)}, expected {sorted(expected)}")
        if isinstance(inner, Strategy):
            inner.load_state_dict(state["inner"])


STRATEGIES: Registry[Callable[..., Strategy]] = Registry("strategy")


def wrapped_chain(strategy: Strategy) -> list[Strategy]:
    """``strategy`` and every strategy it wraps (through ``inner``), outermost first."""
    out = [strategy]
    while isinstance(inner := getattr(out[-1], "inner", None), Strategy):
        out.append(inner)
    return out


def privacy_spent(strategy: Strategy) -> float | None:
    """Epsilon reported by a DP component in the chain, or ``None`` when none is there."""
    for s in wrapped_chain(strategy):
        eps = getattr(s, "epsilon", None)
        if isinstance(eps, float):
            return eps
    return None
