"""Shrinkage criterion: |w| after L1 proximal training has driven weights to exact zero."""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import Tensor

from fedprune.prune.criteria.base import CRITERIA, Criterion


@CRITERIA.register("shrink")
class Shrink(Criterion):
    """``|w|`` of weights trained with L1 shrinkage (``pruning.shrink_l1``, see
    ``fedprune.prune.shrink``): exact zeros rank lowest, so the mask removes them first and the
    pruner still meets the rate target, pruning the smallest non-zero weights if the zeros fall
    short (Tibshirani 1996; the proximal step of Beck & Teboulle 2009).

    L2 shrinkage is ``train.weight_decay``: it scales weights towards zero but never reaches
    it, which is why the L1 step is the one that prunes.
    """

    def __call__(
        self,
        *,
        params: Mapping[str, Tensor],
        grads: Mapping[str, Tensor] | None = None,
        generator: torch.Generator | None = None,
    ) -> dict[str, Tensor]:
        return {name: p.detach().abs() for name, p in params.items()}
