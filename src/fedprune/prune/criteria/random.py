"""Random criterion: uniform random scores, the baseline every criterion must beat."""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import Tensor

from fedprune.prune.criteria.base import CRITERIA, Criterion, Need


@CRITERIA.register("random")
class Random(Criterion):
    """Scores drawn uniformly from ``[0, 1)`` with ``generator``, tensor by tensor in the order
    of ``params``: the same generator state gives the same scores. A criterion that does not
    beat it is not using the weights.
    """

    needs = Need.GENERATOR

    def __call__(
        self,
        *,
        params: Mapping[str, Tensor],
        grads: Mapping[str, Tensor] | None = None,
        generator: torch.Generator | None = None,
    ) -> dict[str, Tensor]:
        if generator is None:
            raise ValueError("criterion 'random' needs a seeded torch.Generator")
        return {n: torch.rand(p.shape, generator=generator) for n, p in params.items()}
