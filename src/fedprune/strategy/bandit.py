"""A pruning schedule learned during the run: a bandit picks each round's pruning step,
rewarded by validation accuracy gained per byte uploaded."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fedprune.bandit import Policy
from fedprune.messages import GlobalModel, Instruction, Update
from fedprune.prune.schedule import Schedule
from fedprune.strategy.base import Strategy


class BanditSchedule(Schedule):
    """Target sparsity chosen round by round: the policy's arm ``a`` adds ``steps[a]`` to the
    sparsity so far, up to ``final``. Pruning never revives a weight, so an arm is a step up
    (0 holds), not a level: a level below the mask's sparsity could not be played.

    The arm of a round is drawn once, at the round's first ``target`` call, and kept for it.
    """

    def __init__(self, *, policy: Policy, steps: Sequence[float], final: float, start: int) -> None:
        if len(steps) != policy.arms or any(s < 0 for s in steps):
            raise ValueError(f"need one step >= 0 per arm ({policy.arms}), got {list(steps)}")
        self.policy, self.steps, self.final, self.start = policy, list(steps), final, start
        self.level = 0.0
        self.chosen: dict[int, tuple[int, float]] = {}

    def target(self, rnd: int) -> float | None:
        if rnd < self.start:
            return None
        if rnd not in self.chosen:
            arm = self.policy.select()
            self.level = min(self.final, self.level + self.steps[arm])
            self.chosen = {rnd: (arm, self.level)}
        return self.chosen[rnd][1]


class BanditPruning(Strategy):
    """Feeds the bandit its reward after each round, then aggregates as the inner pruning
    strategy does.

    Reward of the round's arm: the change in the clients' example-weighted validation accuracy
    (``val_accuracy``, of the models they upload) from the previous round, divided by the
    round's upload density (kept prunable entries / prunable entries, the share of the dense
    upload's values sent): accuracy gained per byte, as a fraction of a dense upload. The
    server holds no data, so the clients' own validation splits measure (never the test set).
    None of the FL tools we surveyed (Flower, FedML, FLSim, the PruneFL and FedDST code) learns
    how hard to prune while the federation runs; their schedules are fixed in advance.
    """

    def __init__(self, *, inner: Strategy, schedule: BanditSchedule) -> None:
        self.inner, self.schedule = inner, schedule
        self.last_accuracy: float | None = None
        self.history: list[dict[str, float]] = []

    def configure_round(
        self, *, rnd: int, model: GlobalModel, clients: Sequence[int]
    ) -> dict[int, Instruction]:
        return self.inner.configure_round(rnd=rnd, model=model, clients=clients)

    def aggregate(self, *, rnd: int, model: GlobalModel, updates: Sequence[Update]) -> GlobalModel:
        measured = [u for u in updates if "val_accuracy" in u.metrics]
        if measured and rnd in self.schedule.chosen:
            total = sum(u.num_examples for u in measured)
            accuracy = sum(u.metrics["val_accuracy"] * u.num_examples for u in measured) / total
            density = upload_density(updates)
            if self.last_accuracy is not None and density > 0:
                arm, level = self.schedule.chosen[rnd]
                reward = (accuracy - self.last_accuracy) / density
                self.schedule.policy.update(arm=arm, reward=reward)
                self.history.append({"round": rnd, "arm": arm, "level": level, "reward": reward})
            self.last_accuracy = accuracy
        return self.inner.aggregate(rnd=rnd, model=model, updates=updates)

    def state_dict(self) -> dict[str, Any]:
        """Inner state, the policy's statistics, the level reached and the last accuracy."""
        return {
            "inner": self.inner.state_dict(),
            "policy": self.schedule.policy.state_dict(),
            "level": self.schedule.level,
            "last_accuracy": self.last_accuracy,
            "history": list(self.history),
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore ``state_dict()``."""
        expected = {"inner", "policy", "level", "last_accuracy", "history"}
        if set(state) != expected:
            raise ValueError(f"state has keys {sorted(state)}, expected {sorted(expected)}")
        self.inner.load_state_dict(state["inner"])
        self.schedule.policy.load_state_dict(state["policy"])
        self.schedule.level = float(state["level"])
        self.schedule.chosen = {}
        last = state["last_accuracy"]
        self.last_accuracy = None if last is None else float(last)
        self.history = [dict(h) for h in state["history"]]


def upload_density(updates: Sequence[Update]) -> float:
    """Kept share of the prunable entries over all ``updates`` (1.0 without masks)."""
    kept = sum(int(m.sum()) for u in updates for m in u.masks.values())
    total = sum(m.numel() for u in updates for m in u.masks.values())
    return kept / total if total else 1.0
