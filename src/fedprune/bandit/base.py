"""The ``Policy`` interface: pick an arm, learn from its reward, survive a checkpoint."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from fedprune.registry import Registry


class Policy(ABC):
    """A multi-armed bandit over ``arms`` arms with discounted statistics.

    ``discount`` (gamma in (0, 1]) weighs a reward seen ``k`` updates ago by ``gamma**k``: the
    reward of a pruning level drifts as the model trains, so old evidence fades (Garivier &
    Moulines 2011, https://arxiv.org/abs/0805.3415). ``counts``, ``sums`` and ``squares`` are
    the discounted pulls, reward sums and squared-reward sums per arm; ``seed`` seeds ``rng``.
    """

    def __init__(self, *, arms: int, discount: float = 1.0, seed: int = 0) -> None:
        if arms < 1:
            raise ValueError(f"a bandit needs at least one arm, got {arms}")
        if not 0 < discount <= 1:
            raise ValueError(f"discount must be in (0, 1], got {discount}")
        self.arms, self.discount = arms, discount
        self.counts = np.zeros(arms)
        self.sums = np.zeros(arms)
        self.squares = np.zeros(arms)
        self.rng = np.random.default_rng(seed)

    @abstractmethod
    def select(self) -> int:
        """The arm to play next."""

    def update(self, *, arm: int, reward: float) -> None:
        """Discount every arm's statistics, then add ``reward`` to ``arm``'s."""
        if not 0 <= arm < self.arms:
            raise ValueError(f"arm {arm} out of range [0, {self.arms})")
        if not np.isfinite(reward):
            raise ValueError(f"reward must be finite, got {reward}")
        self.counts *= self.discount
        self.sums *= self.discount
        self.squares *= self.discount
        self.counts[arm] += 1.0
        self.sums[arm] += reward
        self.squares[arm] += reward * reward

    def means(self) -> np.ndarray:
        """Discounted mean reward per arm (0 for an arm never played)."""
        return np.divide(self.sums, self.counts, out=np.zeros(self.arms), where=self.counts > 0)

    def state_dict(self) -> dict[str, Any]:
        """Statistics and the generator's state, as JSON values."""
        return {
            "counts": self.counts.tolist(),
            "sums": self.sums.tolist(),
            "squares": self.squares.tolist(),
            "rng": self.rng.bit_generator.state,
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore ``state_dict()``; ``ValueError`` when it is for another number of arms."""
        if set(state) != {"counts", "sums", "squares", "rng"}:
            raise ValueError(f"bandit state has keys {sorted(state)}")
        for key in ("counts", "sums", "squares"):
            values = np.asarray(state[key], dtype=np.float64)
            if values.shape != (self.arms,):
                raise ValueError(f"bandit state {key!r} has {values.size} arms, not {self.arms}")
            setattr(self, key, values)
        self.rng.bit_generator.state = dict(state["rng"])


POLICIES: Registry[Callable[..., Policy]] = Registry("bandit policy")


def make_policy(*, name: str, arms: int, discount: float = 1.0, seed: int = 0) -> Policy:
    """The registered policy ``name`` over ``arms`` arms."""
    return POLICIES.get(name)(arms=arms, discount=discount, seed=seed)
