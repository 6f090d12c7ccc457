"""Pruning schedules: which sparsity the model should have after a given round."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable

from fedprune.registry import Registry


class Schedule(ABC):
    """Maps a round (1-based) to a target sparsity, or ``None`` when no pruning step is due."""

    @abstractmethod
    def target(self, rnd: int) -> float | None:
        """Target sparsity after round ``rnd``, or ``None`` for no pruning step."""


SCHEDULES: Registry[Callable[..., Schedule]] = Registry("pruning schedule")


@SCHEDULES.register("oneshot")
class OneShot(Schedule):
    """Prune once, at round ``start``, straight to ``final``; hold it afterwards."""

    def __init__(self, *, final: float, start: int, end: int, frequency: int) -> None:
        self.final = final
        self.start = start

    def target(self, rnd: int) -> float | None:
        return self.final if rnd >= self.start else None


@SCHEDULES.register("polynomial")
class Polynomial(Schedule):
    """Gradual cubic schedule of Zhu & Gupta 2017 (https://arxiv.org/abs/1710.01878).

    ``s_t = s_f (1 - (1 - (t - start + 1) / (end - start + 1))^3)`` every ``frequency`` rounds
    from ``start`` to ``end`` (so round ``start`` already prunes a little and round ``end``
    reaches ``s_f``), then ``s_f`` every round after it.
    """

    def __init__(self, *, final: float, start: int, end: int, frequency: int) -> None:
        if end < start:
            raise ValueError(f"pruning.end_round ({end}) must be >= pruning.start_round ({start})")
        if frequency < 1:
            raise ValueError(f"pruning.frequency must be >= 1, got {frequency}")
        self.final, self.start, self.end, self.frequency = final, start, end, frequency

    def target(self, rnd: int) -> float | None:
        if rnd < self.start:
            return None
        if rnd >= self.end:
            return self.final
        if (rnd - self.start) % self.frequency:
            return None
        progress = (rnd - self.start + 1) / (self.end - self.start + 1)
        return self.final * (1.0 - (1.0 - progress) ** 3)
