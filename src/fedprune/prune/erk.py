"""ERK allocation: per-layer sparsity from layer shapes, so small layers stay denser."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

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


def erk_targets(
    *,
    shapes: Mapping[str, Sequence[int]],
    target: float,
    pruned: Mapping[str, int] | None = None,
) -> dict[str, float]:
    """Per-tensor sparsity whose total over all tensors is ``target`` (to one entry).

    Density is ``eps * sum(shape) / prod(shape)`` (Erdős-Rényi-Kernel; for a conv weight
    ``(n_out + n_in + kh + kw) / (n_out * n_in * kh * kw)``), ``eps`` chosen so the kept count
    matches. A tensor whose density would exceed what it may keep (all of it, or all but its
    ``pruned`` entries, which never revive) is capped there and the others share the rest,
    until none exceeds. Kept counts are rounded by largest remainder, so each returned target
    is a whole number of entries over ``numel`` and their total is ``round(target * N)``, or
    the already-pruned total when that is higher.
    """
    check_target(target)
    numel = {n: math.prod(s) for n, s in shapes.items()}
    already = pruned or {}
    cap = {n: numel[n] - already.get(n, 0) for n in shapes}  # most each tensor may keep
    total = sum(numel.values())
    keep_total = min(total - round(target * total), sum(cap.values()))
    kept: dict[str, float] = {}
    free = {n for n in shapes if numel[n] > 0}
    while free:
        budget = keep_total - sum(kept.values())
        eps = budget / sum(sum(shapes[n]) for n in free)
        over = {n for n in free if eps * sum(shapes[n]) > cap[n]}
        if not over:
            kept.update({n: eps * sum(shapes[n]) for n in free})
            break
        # capping raises eps for the rest, so a tensor capped once stays capped
        kept.update({n: float(cap[n]) for n in over})
        free -= over
    whole = {n: math.floor(kept.get(n, 0.0)) for n in shapes}
    spare = max(keep_total - sum(whole.values()), 0)
    by_remainder = sorted(shapes, key=lambda n: whole[n] - kept.get(n, 0.0))
    for n in by_remainder[:spare]:
        whole[n] += 1
    return {n: (numel[n] - whole[n]) / numel[n] if numel[n] else 0.0 for n in shapes}


@PRUNERS.register("erk")
class ErkPruner(Pruner):
    """Prune each tensor's lowest-scoring entries to its ERK share of ``target``.

    The allocation of RigL (Evci et al. 2020, https://arxiv.org/abs/1911.11134):
    sparsity scales with the tensor's size over its fan-in plus fan-out, so large dense layers
    are pruned hardest and small ones (and 1-D tensors) stay dense. Already-pruned entries stay
    pruned and count towards each tensor's share.
    """

    def compute_masks(
        self, *, scores: Mapping[str, Tensor], masks: Mapping[str, Tensor], target: float
    ) -> Masks:
        check_target(target)
        already = {n: int((~masks[n]).sum()) for n in scores}
        targets = erk_targets(
            shapes={n: tuple(s.shape) for n, s in scores.items()}, target=target, pruned=already
        )
        out: Masks = {}
        for name, score in scores.items():
            importance = ranked_importance(score, masks[name])
            k = count_to_prune(targets[name], importance.numel(), already[name])
            out[name] = smallest_k_mask(importance, k).reshape(score.shape)
        return out
