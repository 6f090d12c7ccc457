"""FedProx: FedAvg whose clients add a proximal term to their local loss."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, ClassVar

from fedprune.messages import Instruction
from fedprune.strategy.base import STRATEGIES
from fedprune.strategy.fedavg import FedAvg


@STRATEGIES.register("fedprox")
class FedProx(FedAvg):
    """FedProx (Li et al. 2020, https://arxiv.org/abs/1812.06127).

    Clients minimise ``loss(w) + prox_mu / 2 * ||w - w_global||^2`` (see
    ``training.train_local``), which bounds how far heterogeneous clients drift from the global
    model; the server averages as FedAvg does. ``prox_mu`` must be > 0 (with 0 this is FedAvg)
    and replaces the instruction's. Other keywords go to ``FedAvg``.
    """

    config_keys: ClassVar[tuple[str, ...]] = ("train.prox_mu",)

    def __init__(self, *, instruction: Instruction, prox_mu: float = 0.01, **fedavg: Any) -> None:
        if not prox_mu > 0:
            raise ValueError(f"prox_mu must be > 0 for FedProx (0 is FedAvg), got {prox_mu}")
        super().__init__(instruction=replace(instruction, prox_mu=prox_mu), **fedavg)
        self.prox_mu = prox_mu
