"""Privacy accounting with Opacus' accountants (RDP, PRV), kept as a stateful object."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fedprune.registry import Registry


def _opacus(name: str) -> Callable[[], Any]:
    def make() -> Any:
        from opacus.accountants import create_accountant

        return create_accountant(mechanism=name)

    return make


ACCOUNTANTS: Registry[Callable[[], Any]] = Registry("privacy accountant")
ACCOUNTANTS.register("rdp")(_opacus("rdp"))
ACCOUNTANTS.register("prv")(_opacus("prv"))


class Accountant:
    """Tracks (noise multiplier, sample rate) steps and reports epsilon for ``delta``.

    The maths is Opacus' (Mironov 2017 RDP; Gopi et al. 2021 PRV); this object keeps the
    history and round-trips it through ``state_dict()`` for checkpoints. Sampling clients
    without replacement at a fixed count is accounted as Poisson sampling at the same rate, as
    DP-FedAvg implementations do (McMahan et al. 2018); the README says so.
    """

    def __init__(self, *, name: str = "rdp", delta: float) -> None:
        if not 0 < delta < 1:
            raise ValueError(f"privacy.delta must be in (0, 1), got {delta}")
        self.name, self.delta = name, delta
        self._factory = ACCOUNTANTS.get(name)
        self._made: Any = None

    @property
    def _impl(self) -> Any:
        # made on first use: importing Opacus costs seconds, and a run without DP never needs it
        if self._made is None:
            self._made = self._factory()
        return self._made

    def step(self, *, noise_multiplier: float, sample_rate: float) -> None:
        """Record one round of the subsampled Gaussian mechanism."""
        self._impl.step(noise_multiplier=noise_multiplier, sample_rate=sample_rate)

    def spend(self, *, noise_multiplier: float, sample_rate: float) -> float:
        """Record one round and return epsilon so far; without noise nothing is private
        (``inf``) and nothing is recorded."""
        if noise_multiplier <= 0:
            return float("inf")
        self.step(noise_multiplier=noise_multiplier, sample_rate=sample_rate)
        return self.epsilon()

    def epsilon(self) -> float:
        """Epsilon spent so far at this accountant's ``delta`` (0 before any step)."""
        if not self._impl.history:
            return 0.0
        return float(self._impl.get_epsilon(delta=self.delta))

    def state_dict(self) -> dict[str, Any]:
        """Name, delta and the (noise multiplier, sample rate, steps) history."""
        return {
            "name": self.name,
            "delta": self.delta,
            "history": [list(h) for h in self._impl.history],
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what ``state_dict()`` returned."""
        if state.get("name") != self.name:
            raise ValueError(f"accountant state is for {state.get('name')!r}, not {self.name!r}")
        self.delta = float(state["delta"])
        self._impl.history = [tuple(h) for h in state["history"]]
