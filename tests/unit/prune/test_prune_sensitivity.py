"""Layer sensitivity and allocated masks on a model where one layer obviously matters."""

from __future__ import annotations

import pytest
import torch
from torch import Tensor, nn

from fedprune.metrics import global_sparsity, layer_sparsity
from fedprune.prune.sensitivity import layer_sensitivity, sensitivity_masks

LAYERS = ["main.weight", "noise.weight"]


class TwoPaths(nn.Module):
    """``main`` carries the labels; ``noise`` adds a tiny perturbation that nothing needs."""

    def __init__(self) -> None:
        super().__init__()
        self.main = nn.Linear(8, 3, bias=False)
        self.noise = nn.Linear(8, 3, bias=False)

    def forward(self, x: Tensor) -> Tensor:
        return self.main(x) + self.noise(x)


@pytest.fixture
def task() -> tuple[TwoPaths, Tensor, Tensor]:
    torch.manual_seed(0)
    model = TwoPaths()
    with torch.no_grad():
        model.noise.weight.mul_(0.01)
    x = torch.randn(400, 8)
    y = model.main(x).argmax(1).detach()
    return model, x, y


def test_pruning_the_layer_that_carries_the_labels_costs_far_more(task) -> None:
    model, x, y = task

    drops = layer_sensitivity(model=model, x=x, y=y, layers=LAYERS, ratios=[0.25, 0.5, 0.75])

    assert set(drops) == set(LAYERS)
    assert list(drops["main.weight"]) == [0.25, 0.5, 0.75]
    assert drops["main.weight"][0.75] > 0.2  # measured 0.29 (seed 0)
    assert max(abs(d) for d in drops["noise.weight"].values()) < 0.02  # measured 0.0025
    for r in (0.5, 0.75):
        assert drops["main.weight"][r] > drops["noise.weight"][r] + 0.1


def test_loss_metric_reports_the_rise_in_cross_entropy(task) -> None:
    model, x, y = task

    drops = layer_sensitivity(
        model=model, x=x, y=y, layers=LAYERS, ratios=[0.0, 0.75], metric="loss"
    )

    assert drops["main.weight"][0.0] == 0.0
    assert drops["main.weight"][0.75] > 10 * abs(drops["noise.weight"][0.75])
    assert drops["main.weight"][0.75] > 0


@pytest.mark.parametrize("criterion", ["magnitude", "snip"])
def test_weights_and_mode_come_back_unchanged(task, criterion: str) -> None:
    model, x, y = task
    model.train()
    before = {k: v.clone() for k, v in model.state_dict().items()}

    layer_sensitivity(model=model, x=x, y=y, layers=LAYERS, ratios=[0.5, 0.9], criterion=criterion)

    assert model.training
    for k, v in model.state_dict().items():
        assert torch.equal(v, before[k]), k
    assert all(p.grad is None for p in model.parameters())


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"layers": ["nope.weight"]}, "unknown layers"),
        ({"ratios": [1.5]}, "pruning target must be in"),
        ({"metric": "f1"}, "unknown sensitivity metric 'f1'"),
        ({"criterion": "psychic"}, "unknown pruning criterion"),
    ],
)
def test_bad_arguments_are_rejected(task, kwargs, match) -> None:
    model, x, y = task
    args = {"layers": LAYERS, "ratios": [0.5], **kwargs}

    with pytest.raises(ValueError, match=match):
        layer_sensitivity(model=model, x=x, y=y, **args)


@pytest.mark.parametrize("criterion", ["magnitude", "snip"])
def test_masks_meet_the_target_and_spare_the_sensitive_layer(task, criterion: str) -> None:
    model, x, y = task
    model.train()
    before = {k: v.clone() for k, v in model.state_dict().items()}

    masks = sensitivity_masks(model=model, x=x, y=y, target=0.5, criterion=criterion)

    assert global_sparsity(masks) == pytest.approx(0.5, abs=1 / 48)
    rates = layer_sparsity(masks)
    assert rates["noise.weight"] > 0.9
    assert rates["main.weight"] < 0.1
    assert all(torch.equal(v, before[k]) for k, v in model.state_dict().items())
    assert model.training


def test_entries_already_pruned_stay_pruned(task) -> None:
    model, x, y = task
    prior = {n: torch.ones(3, 8, dtype=torch.bool) for n in LAYERS}
    prior["main.weight"][0, 0] = False

    masks = sensitivity_masks(model=model, x=x, y=y, target=0.25, masks=prior)

    assert not masks["main.weight"][0, 0]
