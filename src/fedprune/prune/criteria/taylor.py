"""First-order Taylor criterion with gradients accumulated over local training."""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import Tensor

from fedprune.prune.criteria.base import CRITERIA, Criterion, Need, weight_times_gradient


@CRITERIA.register("taylor")
class Taylor(Criterion):
    """``|w * g|`` with ``g`` the mean data-loss gradient over the local training steps and
    ``w`` the trained weights (Molchanov et al. 2019, https://arxiv.org/abs/1906.10771, per
    weight rather than per filter).

    The server has no data: it uses the round's pseudo-gradient (the model before aggregation
    minus the aggregate; under FedAvg the example-weighted mean client update) as ``g``.
    """

    needs = Need.TRAIN_GRADIENTS

    def __call__(
        self,
        *,
        params: Mapping[str, Tensor],
        grads: Mapping[str, Tensor] | None = None,
        generator: torch.Generator | None = None,
    ) -> dict[str, Tensor]:
        return weight_times_gradient(params=params, grads=grads, criterion="taylor")
