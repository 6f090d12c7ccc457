"""FedAdagrad: Adagrad as the server optimiser."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from torch import Tensor

from fedprune.strategy.base import STRATEGIES
from fedprune.strategy.fedopt import FedOpt, check_decay, check_positive
from fedprune.strategy.serveropt_math import Step, adagrad_step


@STRATEGIES.register("fedadagrad")
class FedAdagrad(FedOpt):
    """FedAdagrad (Reddi et al. 2021, https://arxiv.org/abs/2003.00295).

    Adagrad on the pseudo-gradient (``serveropt_math.adagrad_step``), with the paper's first
    moment ``beta1`` (0 by default: plain Adagrad). Other keywords go to ``FedAvg``.
    """

    config_keys: ClassVar[tuple[str, ...]] = (
        "federation.server_lr",
        "federation.beta1",
        "federation.tau",
    )

    def __init__(
        self, *, server_lr: float = 0.1, beta1: float = 0.0, tau: float = 1e-3, **fedavg: Any
    ) -> None:
        super().__init__(**fedavg)
        self.server_lr = check_positive("server_lr", server_lr)
        self.beta1 = check_decay("beta1", beta1)
        self.tau = check_positive("tau", tau)

    def rule(self, *, delta: Tensor, moments: Mapping[str, Tensor]) -> Step:
        return adagrad_step(
            delta=delta,
            m=moments["m"],
            v=moments["v"],
            server_lr=self.server_lr,
            beta1=self.beta1,
            tau=self.tau,
        )
