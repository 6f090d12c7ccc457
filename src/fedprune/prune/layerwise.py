"""Layer-wise pruning: every tensor pruned to the same rate."""

from __future__ import annotations

from collections.abc import Mapping

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


@PRUNERS.register("layer")
class LayerwisePruner(Pruner):
    """Prune each tensor's lowest-scoring entries to the target rate.

    With magnitude scores this is ``torch.nn.utils.prune.l1_unstructured(amount=target)`` applied
    to each tensor (Han et al. 2015, https://arxiv.org/abs/1506.02626).
    """

    def compute_masks(
        self, *, scores: Mapping[str, Tensor], masks: Mapping[str, Tensor], target: float
    ) -> Masks:
        check_target(target)
        out: Masks = {}
        for name, score in scores.items():
            mask = masks[name]
            importance = ranked_importance(score, mask)
            k = count_to_prune(target, importance.numel(), int((~mask).sum()))
            out[name] = smallest_k_mask(importance, k).reshape(score.shape)
        return out
