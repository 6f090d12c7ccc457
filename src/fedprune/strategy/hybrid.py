"""Hybrid pruning: unstructured targets counted against the dense model after structural steps."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fedprune.prune.schedule import Schedule


def remaining_target(*, target: float, kept: float) -> float:
    """Unstructured sparsity within a structurally pruned model that meets a dense ``target``.

    ``kept`` is the structurally pruned model's share of the dense model's prunable weights; the
    whole model must keep ``(1 - target)`` of the dense count, so within the smaller model
    ``1 - (1 - target) / kept`` is pruned (none if the structure alone already meets it).

    >>> remaining_target(target=0.8, kept=0.5)
    0.6
    """
    if not 0.0 < kept <= 1.0:
        raise ValueError(f"kept share must be in (0, 1], got {kept}")
    return max(0.0, round(1.0 - (1.0 - target) / kept, 12))


class HybridTarget(Schedule):
    """Wraps a schedule whose targets count against the dense model (hybrid pruning).

    The structural step sets ``kept`` after each change; until then it is 1 and the wrapped
    schedule's targets pass through unchanged.
    """

    def __init__(self, *, schedule: Schedule) -> None:
        self.schedule = schedule
        self.kept = 1.0

    def target(self, rnd: int) -> float | None:
        t = self.schedule.target(rnd)
        return None if t is None else remaining_target(target=t, kept=self.kept)

    def state_dict(self) -> dict[str, Any]:
        """``{"kept": share}``: the structural steps so far, as the targets see them."""
        return {"kept": self.kept}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore ``state_dict()``; ``ValueError`` for a share outside (0, 1]."""
        kept = float(state["kept"])
        if not 0.0 < kept <= 1.0:
            raise ValueError(f"kept share must be in (0, 1], got {kept}")
        self.kept = kept
