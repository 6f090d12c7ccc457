"""FedYogi: Yogi as the server optimiser."""

from __future__ import annotations

from collections.abc import Mapping

from torch import Tensor

from fedprune.strategy.base import STRATEGIES
from fedprune.strategy.fedopt import AdaptiveFedOpt
from fedprune.strategy.serveropt_math import Step, yogi_step


@STRATEGIES.register("fedyogi")
class FedYogi(AdaptiveFedOpt):
    """FedYogi (Reddi et al. 2021, https://arxiv.org/abs/2003.00295).

    Yogi on the pseudo-gradient (``serveropt_math.yogi_step``); moments start at zero.
    ``server_lr``, ``beta1``, ``beta2``, ``tau`` as in ``AdaptiveFedOpt``; others go to ``FedAvg``.
    """

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
