"""Our magnitude masks equal torch.nn.utils.prune's for the same tensors."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn
from torch.nn.utils import prune as tprune

from fedprune.prune import CRITERIA, PRUNERS
from fedprune.prune.mask import full_masks


def _model(seed: int) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(36, 5))


NAMES = ["0.weight", "3.weight"]


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), amount=st.floats(0.0, 1.0))
def test_layerwise_equals_l1_unstructured(seed: int, amount: float) -> None:
    model = _model(seed)
    params = {n: p.detach().clone() for n, p in model.named_parameters()}
    ours = PRUNERS.get("layer")().compute_masks(
        scores=CRITERIA.get("magnitude")()(params={n: params[n] for n in NAMES}),
        masks=full_masks(params, NAMES),
        target=amount,
    )
    for name in NAMES:
        module = model.get_submodule(name.split(".")[0])
        tprune.l1_unstructured(module, name="weight", amount=amount)
        assert torch.equal(ours[name], module.weight_mask.bool()), name


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), amount=st.floats(0.0, 1.0))
def test_global_equals_global_unstructured(seed: int, amount: float) -> None:
    model = _model(seed)
    params = {n: p.detach().clone() for n, p in model.named_parameters()}
    ours = PRUNERS.get("global")().compute_masks(
        scores=CRITERIA.get("magnitude")()(params={n: params[n] for n in NAMES}),
        masks=full_masks(params, NAMES),
        target=amount,
    )
    targets = [(model.get_submodule(n.split(".")[0]), "weight") for n in NAMES]
    tprune.global_unstructured(targets, pruning_method=tprune.L1Unstructured, amount=amount)
    for name, (module, _) in zip(NAMES, targets, strict=True):
        assert torch.equal(ours[name], module.weight_mask.bool()), name


def test_global_pruning_allocates_unequal_layer_rates() -> None:
    small = torch.full((100,), 0.01) + torch.rand(100) * 0.001
    large = torch.ones(100) + torch.rand(100)
    scores = {"a": small, "b": large}
    masks = PRUNERS.get("global")().compute_masks(
        scores=scores, masks={k: torch.ones(100, dtype=torch.bool) for k in scores}, target=0.5
    )
    assert int(masks["a"].sum()) == 0
    assert int(masks["b"].sum()) == 100


@pytest.mark.parametrize("name", ["layer", "global"])
def test_pruned_entries_never_revive_and_count_towards_target(name: str) -> None:
    torch.manual_seed(0)
    w = torch.randn(1000)
    previous = torch.ones(1000, dtype=torch.bool)
    previous[w.abs().argsort(descending=True)[:300]] = False  # the largest weights were pruned
    masks = PRUNERS.get(name)().compute_masks(
        scores={"w": w.abs()}, masks={"w": previous}, target=0.5
    )
    assert not bool((masks["w"] & ~previous).any())
    assert int((~masks["w"]).sum()) == 500


def test_threshold_pruner_keeps_strictly_greater_scores() -> None:
    scores = {"w": torch.tensor([0.1, 0.2, 0.3, -0.5])}
    masks = PRUNERS.get("threshold")(threshold=0.2).compute_masks(
        scores=scores, masks={"w": torch.ones(4, dtype=torch.bool)}, target=0.0
    )
    assert masks["w"].tolist() == [False, False, True, True]


@pytest.mark.parametrize("target", [-0.1, 1.5])
def test_target_out_of_range_is_rejected(target: float) -> None:
    with pytest.raises(ValueError, match="target"):
        PRUNERS.get("layer")().compute_masks(
            scores={"w": torch.ones(3)}, masks={"w": torch.ones(3, dtype=torch.bool)}, target=target
        )


@pytest.mark.parametrize("name", ["layer", "global", "erk"])
def test_at_the_target_already_the_masks_stand_and_match_a_full_ranking(name: str) -> None:
    # a second call at the same target: k equals the entries already pruned (the shortcut)
    from fedprune.prune import base

    g = torch.Generator().manual_seed(5)
    weights = {"a": torch.randn(30, 20, generator=g), "b": torch.randn(40, 10, generator=g)}
    pruner = PRUNERS.get(name)()
    first = pruner.compute_masks(
        scores=weights, masks=full_masks(weights, list(weights)), target=0.7
    )
    pruned = {n: w * first[n] for n, w in weights.items()}
    again = pruner.compute_masks(scores=pruned, masks=first, target=0.7)

    def topk_only(importance: torch.Tensor, k: int) -> torch.Tensor:
        keep = torch.ones_like(importance, dtype=torch.bool)
        keep[torch.topk(importance, k=k, largest=False, sorted=False).indices] = False
        return keep

    module = {"layer": "layerwise", "global": "global_", "erk": "erk"}[name]
    mp = pytest.MonkeyPatch()
    mp.setattr(f"fedprune.prune.{module}.smallest_k_mask", topk_only)
    ranked = pruner.compute_masks(scores=pruned, masks=first, target=0.7)
    mp.undo()

    assert base.smallest_k_mask is not topk_only
    assert all(torch.equal(again[n], first[n]) for n in weights)
    assert all(torch.equal(again[n], ranked[n]) for n in weights)
