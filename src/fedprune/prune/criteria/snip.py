"""SNIP: connection sensitivity at the received weights."""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import Tensor

from fedprune.prune.criteria.base import CRITERIA, Criterion, Need, weight_times_gradient


@CRITERIA.register("snip")
class Snip(Criterion):
    """``|w * dL/dw|`` at the weights the client received, before local training (SNIP, Lee et
    al. 2019, https://arxiv.org/abs/1810.02340); the mask it gives is applied to the trained
    weights.

    Clients take the gradient over at most ``INIT_BATCHES`` local batches. The server has no
    data: it scores the model the round started from with the round's pseudo-gradient (that
    model minus the aggregate) in place of ``dL/dw``.
    """

    needs = Need.INIT_GRADIENTS

    def __call__(
        self,
        *,
        params: Mapping[str, Tensor],
        grads: Mapping[str, Tensor] | None = None,
        generator: torch.Generator | None = None,
    ) -> dict[str, Tensor]:
        return weight_times_gradient(params=params, grads=grads, criterion="snip")
