"""Global pruning: one ranking across all tensors."""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import Tensor

from fedprune.prune.base import (
    PRUNERS,
    Masks,
    Pruner,
    check_target,
    count_to_prune,
    ranked_importance,
    smallest_k_mask,
)


@PRUNERS.register("global")
class GlobalPruner(Pruner):
    """Prune the lowest-scoring entries over all tensors together, so layers end up with
    different rates.

    With magnitude scores this is ``torch.nn.utils.prune.global_unstructured`` with
    ``L1Unstructured`` (Frankle & Carbin 2019 use the same allocation).
    """

    def compute_masks(
        self, *, scores: Mapping[str, Tensor], masks: Mapping[str, Tensor], target: float
    ) -> Masks:
        check_target(target)
        names = list(scores)
        flat = torch.cat([ranked_importance(scores[n], masks[n]) for n in names])
        already = sum(masks[n].numel() - int(torch.count_nonzero(masks[n])) for n in names)
        keep = smallest_k_mask(flat, count_to_prune(target, flat.numel(), already))
        out: Masks = {}
        offset = 0
        for n in names:
            size = scores[n].numel()
            out[n] = keep[offset : offset + size].reshape(scores[n].shape)
            offset += size
        return out
