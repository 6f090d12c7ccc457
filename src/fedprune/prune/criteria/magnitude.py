"""Magnitude criterion: |w|."""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import Tensor

from fedprune.prune.criteria.base import CRITERIA, Criterion


@CRITERIA.register("magnitude")
class Magnitude(Criterion):
    """``|w|``, the L1 magnitude criterion (Han et al. 2015, https://arxiv.org/abs/1506.02626)."""

    def __call__(
        self,
        *,
        params: Mapping[str, Tensor],
        grads: Mapping[str, Tensor] | None = None,
        generator: torch.Generator | None = None,
    ) -> dict[str, Tensor]:
        return {name: p.detach().abs() for name, p in params.items()}
