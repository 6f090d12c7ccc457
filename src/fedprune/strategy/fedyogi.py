"""FedYogi: Yogi as the server optimiser."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from torch import Tensor

from fedprune.strategy.base import STRATEGIES
from fedprune.strategy.fedopt import FedOpt, check_decay, check_positive
from fedprune.strategy.serveropt_math import Step, yogi_step


@STRATEGIES.register("fedyogi")
class FedYogi(FedOpt):
    """FedYogi (Reddi et al. 2021, https://arxiv.org/abs/2003.00295).

    Yogi on the pseudo-gradient (``serveropt_math.yogi_step``); moments start at zero.
    Other keywords go to ``FedAvg``.
    """

    config_keys: ClassVar[tuple[str, ...]] = (
        "federation.server_lr",
        "federation.beta1",
        "federation.beta2",
        "federation.tau",
    )

    def __init__(
        self,
        *,
        server_lr: float = 0.01,
        beta1: float = 0.9,
        beta2: float = 0.99,
        tau: float = 1e-3,
        **fedavg: Any,
    ) -> None:
        super().__init__(**fedavg)
        self.server_lr = check_positive("server_lr", server_lr)
        self.beta1, self.beta2 = check_decay("beta1", beta1), check_decay("beta2", beta2)
        self.tau = check_positive("tau", tau)

    def rule(self, *, delta: Tensor, moments: Mapping[str, Tensor]) -> Step:
        return yogi_step(
            delta=delta,
            m=moments["m"],
            v=moments["v"],
            server_lr=self.server_lr,
            beta1=self.beta1,
            beta2=self.beta2,
            tau=self.tau,
        )
