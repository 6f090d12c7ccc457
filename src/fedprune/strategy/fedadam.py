"""FedAdam: Adam as the server optimiser."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from torch import Tensor

from fedprune.strategy.base import STRATEGIES
from fedprune.strategy.fedopt import AdaptiveFedOpt
from fedprune.strategy.serveropt_math import Step, adam_step


@STRATEGIES.register("fedadam")
class FedAdam(AdaptiveFedOpt):
    """FedAdam (Reddi et al. 2021, https://arxiv.org/abs/2003.00295).

    Adam on the pseudo-gradient, with Adam's bias correction unless ``bias_correction=False``
    (the paper's Algorithm 2 omits it); see ``serveropt_math.adam_step``. Moments start at zero.
    ``server_lr``, ``beta1``, ``beta2``, ``tau`` as in ``AdaptiveFedOpt``; others go to ``FedAvg``.
    """

    def __init__(self, *, bias_correction: bool = True, **options: Any) -> None:
        super().__init__(**options)
        self.bias_correction = bias_correction

    def rule(self, *, delta: Tensor, moments: Mapping[str, Tensor]) -> Step:
        return adam_step(
            delta=delta,
            m=moments["m"],
            v=moments["v"],
            t=self.steps,
            server_lr=self.server_lr,
            beta1=self.beta1,
            beta2=self.beta2,
            tau=self.tau,
            bias_correction=self.bias_correction,
        )
