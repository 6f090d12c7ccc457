"""Importance by model performance: what pruning each layer alone costs on held-out data.

Per-layer sensitivity analysis as in Han et al. 2015 (https://arxiv.org/abs/1506.02626, Fig. 6)
and Li et al. 2017 (https://arxiv.org/abs/1608.08710): prune one layer at a time to each ratio,
measure, restore; then give sensitive layers less sparsity.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import torch
from torch import Tensor, nn

from fedprune.models import prunable_names
from fedprune.prune.allocation import allocate_sparsity
from fedprune.prune.base import Masks, check_target
from fedprune.prune.criteria import CRITERIA, GRADIENT_NEEDS, Need
from fedprune.prune.layerwise import LayerwisePruner
from fedprune.prune.mask import full_masks
from fedprune.registry import Registry

__all__ = [
    "DEFAULT_RATIOS",
    "DROPS",
    "allocate_sparsity",
    "importance",
    "layer_sensitivity",
    "sensitivity_masks",
]

DEFAULT_RATIOS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99)

# How much worse a pruned model did, from (accuracy, loss) before and after.
Drop = Callable[[tuple[float, float], tuple[float, float]], float]
DROPS: Registry[Drop] = Registry("sensitivity metric")
DROPS.register("accuracy")(lambda base, pruned: base[0] - pruned[0])
DROPS.register("loss")(lambda base, pruned: pruned[1] - base[1])


def importance(
    *, model: nn.Module, x: Tensor, y: Tensor, layers: Sequence[str], criterion: str, seed: int = 0
) -> dict[str, Tensor]:
    """Scores of ``criterion`` for ``layers``, given what it needs from the data at hand.

    Gradient criteria get the full-batch loss gradient on ``(x, y)`` at the current weights;
    ``random`` gets a generator seeded by ``seed``. The model's train/eval mode is kept.
    """
    crit = CRITERIA.get(criterion)()
    params = dict(model.named_parameters())
    grads = None
    was_training = model.training
    if crit.needs in GRADIENT_NEEDS:
        from fedprune.training import loss_gradients  # training imports prune: not at the top

        grads = loss_gradients(
            model=model,
            x=x,
            y=y,
            names=list(layers),
            batch_size=max(int(x.shape[0]), 1),
            batches=1,
            generator=torch.Generator().manual_seed(seed),
        )
        model.train(was_training)
    generator = torch.Generator().manual_seed(seed) if crit.needs is Need.GENERATOR else None
    return crit(params={n: params[n] for n in layers}, grads=grads, generator=generator)


def layer_sensitivity(
    *,
    model: nn.Module,
    x: Tensor,
    y: Tensor,
    layers: Sequence[str],
    ratios: Sequence[float],
    criterion: str = "magnitude",
    metric: str = "accuracy",
) -> dict[str, dict[float, float]]:
    """Drop in ``metric`` on ``(x, y)`` when one layer alone is pruned to each ratio.

    Each layer is pruned within itself by ``criterion`` (the ``layer`` pruner), evaluated, and
    restored; the model comes back with its weights and train/eval mode unchanged.

    Returns
    -------
    ``layer -> {ratio: drop}``:
        ``metric = "accuracy"``: accuracy before minus after (points in [0, 1]);
        ``"loss"``: cross-entropy after minus before.
    """
    for r in ratios:
        check_target(r)
    params = dict(model.named_parameters())
    unknown = [n for n in layers if n not in params]
    if unknown:
        raise ValueError(f"unknown layers {unknown}; the model's parameters: {list(params)}")
    drop = DROPS.get(metric)
    pruner = LayerwisePruner()
    was_training = model.training
    out: dict[str, dict[float, float]] = {}
    try:
        scores = importance(model=model, x=x, y=y, layers=layers, criterion=criterion)
        from fedprune.training import evaluate  # training imports prune: not at the top

        base = evaluate(model=model, x=x, y=y)
        with torch.no_grad():
            for name in layers:
                weight = params[name]
                saved = weight.detach().clone()
                full = full_masks({name: saved}, [name])
                out[name] = {}
                try:
                    for r in ratios:
                        keep = pruner.compute_masks(
                            scores={name: scores[name]}, masks=full, target=r
                        )[name]
                        weight.mul_(keep)
                        out[name][float(r)] = drop(base, evaluate(model=model, x=x, y=y))
                        weight.copy_(saved)
                finally:
                    weight.copy_(saved)
    finally:
        model.train(was_training)
    return out


def sensitivity_masks(
    *,
    model: nn.Module,
    x: Tensor,
    y: Tensor,
    target: float,
    ratios: Sequence[float] = DEFAULT_RATIOS,
    layers: Sequence[str] | None = None,
    criterion: str = "magnitude",
    masks: Mapping[str, Tensor] | None = None,
) -> Masks:
    """Keep-masks at global sparsity ``target``, layer rates chosen by sensitivity on ``(x, y)``.

    Meant for the server, on a held-out set: measure ``layer_sensitivity``, split the target
    with ``allocate_sparsity``, prune each layer by ``criterion`` to its rate. Entries already
    pruned in ``masks`` stay pruned (and count towards their layer's rate). The model is not
    changed. ``layers`` defaults to the model's prunable weights.
    """
    check_target(target)
    names = list(layers) if layers is not None else prunable_names(model)
    curves = layer_sensitivity(
        model=model, x=x, y=y, layers=names, ratios=ratios, criterion=criterion
    )
    params = {n: p.detach() for n, p in model.named_parameters()}
    rates = allocate_sparsity(
        sensitivity=curves, sizes={n: params[n].numel() for n in names}, target=target
    )
    scores = importance(model=model, x=x, y=y, layers=names, criterion=criterion)
    prior = dict(masks) if masks is not None else full_masks(params, names)
    pruner = LayerwisePruner()
    return {
        n: pruner.compute_masks(scores={n: scores[n]}, masks={n: prior[n]}, target=rates[n])[n]
        for n in names
    }
