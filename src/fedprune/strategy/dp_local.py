"""Local differential privacy: each client clips and noises its own update before upload."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from fedprune.messages import GlobalModel, Instruction, Update
from fedprune.privacy import Accountant
from fedprune.strategy.base import Strategy


class LocalDP(Strategy):
    """Clients privatise their updates themselves; the server never sees a raw one.

    Each client clips ``trained - received`` to L2 norm ``clip`` and adds Gaussian noise of
    std ``noise_multiplier * clip`` to every coordinate of the received (global, public) mask
    before encoding (``fedprune.privacy.local.privatize``), so the guarantee holds against the
    server too, at the price of noise ``expected_clients`` times larger than central DP's in the
    average. Each client's participation is one subsampled Gaussian step at ``sample_rate``;
    ``epsilon`` is the per-client guarantee after the rounds so far.
    """

    def __init__(
        self,
        *,
        inner: Strategy,
        clip: float,
        noise_multiplier: float,
        sample_rate: float,
        accountant: Accountant,
    ) -> None:
        self.inner, self.clip, self.noise_multiplier = inner, clip, noise_multiplier
        self.sample_rate, self.accountant = sample_rate, accountant
        self.epsilon = 0.0

    def configure_round(
        self, *, rnd: int, model: GlobalModel, clients: Sequence[int]
    ) -> dict[int, Instruction]:
        plan = self.inner.configure_round(rnd=rnd, model=model, clients=clients)
        return {
            c: replace(i, dp_clip=self.clip, dp_noise=self.noise_multiplier)
            for c, i in plan.items()
        }

    def aggregate(self, *, rnd: int, model: GlobalModel, updates: Sequence[Update]) -> GlobalModel:
        new = self.inner.aggregate(rnd=rnd, model=model, updates=updates)
        self.epsilon = self.accountant.spend(
            noise_multiplier=self.noise_multiplier, sample_rate=self.sample_rate
        )
        return new

    def state_dict(self) -> dict[str, Any]:
        """The wrapped strategy's state, epsilon and the accountant."""
        return {
            "inner": self.inner.state_dict(),
            "epsilon": self.epsilon,
            "accountant": self.accountant.state_dict(),
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore ``state_dict()``."""
        expected = {"inner", "epsilon", "accountant"}
        if set(state) != expected:
            raise ValueError(
                f"LocalDP: state has keys {sorted(state)}, expected {sorted(expected)}"
            )
        self.inner.load_state_dict(state["inner"])
        self.epsilon = float(state["epsilon"])
        self.accountant.load_state_dict(state["accountant"])
