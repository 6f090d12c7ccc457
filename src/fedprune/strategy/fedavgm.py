"""FedAvgM: FedAvg with server momentum."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from torch import Tensor

from fedprune.strategy.base import STRATEGIES
from fedprune.strategy.fedopt import FedOpt, check_decay, check_positive
from fedprune.strategy.serveropt_math import Step, momentum_step


@STRATEGIES.register("fedavgm")
class FedAvgM(FedOpt):
    """FedAvgM (Hsu et al. 2019, https://arxiv.org/abs/1909.06335).

    ``m = server_momentum * m + delta``, then ``x += server_lr * m``; with ``server_lr = 1`` and
    ``server_momentum = 0`` it is FedAvg. Other keywords go to ``FedAvg``.
    """

    slots: ClassVar[tuple[str, ...]] = ("m",)
    config_keys: ClassVar[tuple[str, ...]] = ("federation.server_lr", "federation.server_momentum")

    def __init__(self, *, server_lr: float = 1.0, server_momentum: float = 0.9, **fedavg: Any):
        super().__init__(**fedavg)
        self.server_lr = check_positive("server_lr", server_lr)
        self.server_momentum = check_decay("server_momentum", server_momentum)

    def rule(self, *, delta: Tensor, moments: Mapping[str, Tensor]) -> Step:
        return momentum_step(
            delta=delta,
            m=moments["m"],
            server_lr=self.server_lr,
            server_momentum=self.server_momentum,
        )
