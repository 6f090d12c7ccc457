"""The ``sensitivity`` pruner: per-layer rates from measured accuracy drops on local data."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

from torch import Tensor, nn

from fedprune.prune.base import PRUNERS, Masks, Pruner, check_target
from fedprune.prune.layerwise import LayerwisePruner
from fedprune.prune.sensitivity import DEFAULT_RATIOS, sensitivity_masks


@PRUNERS.register("sensitivity")
class SensitivityPruner(Pruner):
    """Importance by model performance, as a pruner (Han et al. 2015, Li et al. 2017).

    A client measures how much pruning each layer alone costs on its data (its validation split
    when it has one), splits the round's target across layers accordingly and prunes each layer
    by the order's criterion (``masks_from_data``). Scores alone cannot say that, so
    ``compute_masks`` — used by the server, which holds no data — prunes each layer to
    ``layer_targets``, which the client-side strategy sets to the clients' example-weighted mean
    per-layer sparsity before reconciling their masks.
    """

    needs_data: ClassVar[bool] = True

    def __init__(self, *, ratios: Sequence[float] = DEFAULT_RATIOS) -> None:
        self.ratios = tuple(ratios)
        self.layer_targets: dict[str, float] | None = None

    def masks_from_data(
        self,
        *,
        model: nn.Module,
        x: Tensor,
        y: Tensor,
        masks: Mapping[str, Tensor],
        target: float,
        criterion: str,
    ) -> Masks:
        """Masks at global sparsity ``target`` whose per-layer rates follow ``model``'s measured
        sensitivity on ``(x, y)``; already-pruned entries stay pruned."""
        return sensitivity_masks(
            model=model,
            x=x,
            y=y,
            target=target,
            ratios=self.ratios,
            layers=list(masks),
            criterion=criterion,
            masks=masks,
        )

    def compute_masks(
        self, *, scores: Mapping[str, Tensor], masks: Mapping[str, Tensor], target: float
    ) -> Masks:
        check_target(target)
        if self.layer_targets is None:
            raise ValueError(
                "the sensitivity pruner measures accuracy on data: it runs on clients "
                "(pruning.mode = 'client'); the server only follows their per-layer rates"
            )
        layer = LayerwisePruner()
        return {
            n: layer.compute_masks(
                scores={n: s}, masks={n: masks[n]}, target=self.layer_targets[n]
            )[n]
            for n, s in scores.items()
        }


def mean_layer_sparsity(
    *, masks: Sequence[Mapping[str, Tensor]], weights: Sequence[float]
) -> dict[str, float]:
    """Weighted mean, over clients, of each layer's pruned fraction (pure)."""
    total = float(sum(weights))
    if not masks or total <= 0:
        raise ValueError("mean_layer_sparsity needs at least one client with a positive weight")
    return {
        n: sum(w * float((~m[n]).sum()) / m[n].numel() for m, w in zip(masks, weights, strict=True))
        / total
        for n in masks[0]
    }
