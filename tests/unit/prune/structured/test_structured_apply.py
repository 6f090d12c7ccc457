"""apply_plan: the pruned model is the original with the removed channels zeroed, only smaller;
its index maps say where every surviving entry came from."""

import copy

import pytest
import torch
from torch import nn

from fedprune.profile import count_macs, count_params
from fedprune.prune.structured import apply_plan, channel_groups, plan_channels

PLAN = {"features.0": [1, 5, 6], "features.3": [0, 31], "classifier.0": [3, 100]}


def long(plan):
    return {k: torch.tensor(v, dtype=torch.long) for k, v in plan.items()}


def zero_channels(model: nn.Module, layers: dict[str, list[int]]) -> None:
    """Zero whatever produces each listed output channel, so it outputs exactly 0."""
    with torch.no_grad():
        for name, channels in layers.items():
            layer = model.get_submodule(name)
            for p in (layer.weight, layer.bias):
                if p is not None:
                    p[channels] = 0.0


def test_pruned_cnn_equals_the_original_with_those_channels_zeroed(build, x):
    model = build("cnn")
    masked = copy.deepcopy(model)
    # a zero conv output stays 0 through ReLU and max-pool; a zero neuron through ReLU
    zero_channels(masked, {"features.0": PLAN["features.0"], "features.3": PLAN["features.3"]})
    zero_channels(masked, {"classifier.0": PLAN["classifier.0"]})

    apply_plan(model=model, example_input=x, plan=long(PLAN))

    assert torch.allclose(model(x), masked(x), rtol=0, atol=1e-12)
    assert not torch.allclose(model(x), build("cnn")(x), atol=1e-3)  # the zeroing mattered


def test_pruned_cnn_bn_equals_the_original_with_gamma_and_beta_zeroed(build, x):
    model = build("cnn_bn")
    masked = copy.deepcopy(model)
    # BN in eval mode maps a zero input to beta - gamma * mean / std, so zero gamma and beta
    zero_channels(masked, {"features.1": PLAN["features.0"], "features.5": [0, 31]})
    zero_channels(masked, {"classifier.1": PLAN["classifier.0"]})
    plan = {"features.0": PLAN["features.0"], "features.4": [0, 31], **{"classifier.0": [3, 100]}}

    apply_plan(model=model, example_input=x, plan=long(plan))

    assert torch.allclose(model(x), masked(x), rtol=0, atol=1e-12)


def test_pruned_layers_keep_exactly_the_other_channels(build, x):
    model = build("cnn")
    old = copy.deepcopy(model)

    apply_plan(model=model, example_input=x, plan=long(PLAN))

    keep0 = [c for c in range(16) if c not in PLAN["features.0"]]
    keep3 = [c for c in range(32) if c not in PLAN["features.3"]]
    assert torch.equal(model.features[0].weight, old.features[0].weight[keep0])
    assert torch.equal(model.features[3].weight, old.features[3].weight[keep3][:, keep0])
    assert torch.equal(model.features[3].bias, old.features[3].bias[keep3])
    # the linear after Flatten loses 7x7 inputs per removed conv channel
    fc = old.classifier[0].weight.reshape(128, 32, 49)[:, keep3].reshape(128, -1)
    keep_fc = [c for c in range(128) if c not in PLAN["classifier.0"]]
    assert torch.equal(model.classifier[0].weight, fc[keep_fc])


def cnn_params(c1: int, c2: int, h: int) -> int:
    return (c1 * 25 + c1) + (c2 * c1 * 25 + c2) + (h * c2 * 49 + h) + (10 * h + 10)


def cnn_macs(c1: int, c2: int, h: int) -> int:
    return 28 * 28 * c1 * 25 + 14 * 14 * c2 * c1 * 25 + c2 * 49 * h + h * 10


def test_parameters_and_macs_drop_to_the_hand_counts(build, x):
    model = build("cnn")
    assert count_params(model=model) == cnn_params(16, 32, 128) == 215_370
    assert count_macs(model=model, example_input=x[:1]) == cnn_macs(16, 32, 128)

    apply_plan(model=model, example_input=x, plan=long(PLAN))

    assert count_params(model=model) == cnn_params(13, 30, 126)
    assert count_macs(model=model, example_input=x[:1]) == cnn_macs(13, 30, 126)
    assert channel_groups(model=model, example_input=x) == {
        "features.0": 13,
        "features.3": 30,
        "classifier.0": 126,
    }


@pytest.mark.parametrize("name", ["cnn_bn", "resnet"])
def test_index_maps_read_every_new_tensor_off_the_old_one(build, x, name):
    model = build(name)
    old = {k: v.clone() for k, v in model.state_dict().items()}
    scores = {
        k: torch.rand(n, generator=torch.Generator().manual_seed(3))
        for k, n in channel_groups(model=model, example_input=x).items()
    }
    plan = plan_channels(scores=scores, ratio=0.4)

    maps = apply_plan(model=model, example_input=x, plan=plan)

    new = model.state_dict()
    assert maps.keys() == new.keys()
    for key, tensor in new.items():
        assert maps[key].dtype == torch.long and maps[key].shape == tensor.shape, key
        assert torch.equal(tensor, old[key].reshape(-1)[maps[key]]), key
    assert sum(t.numel() for t in new.values()) < 0.7 * sum(t.numel() for t in old.values())


def test_pruned_resnet_equals_the_original_with_removed_entries_zeroed(build, x):
    model = build("resnet")
    masked = copy.deepcopy(model)
    scores = {
        k: torch.rand(n, generator=torch.Generator().manual_seed(4))
        for k, n in channel_groups(model=model, example_input=x).items()
    }

    maps = apply_plan(model=model, example_input=x, plan=plan_channels(scores=scores, ratio=0.5))

    with torch.no_grad():
        for key, tensor in masked.state_dict().items():
            if tensor.is_floating_point():
                gone = torch.ones(tensor.numel(), dtype=torch.bool)
                gone[maps[key].reshape(-1)] = False
                tensor.view(-1)[gone] = 0.0  # BN gamma = beta = 0: the channel outputs 0
    assert torch.allclose(model(x), masked(x), rtol=0, atol=1e-10)


def test_pruned_model_still_trains(build, x):
    model = build("resnet").train()
    plan = {"stem.0": torch.tensor([0, 2]), "layer3.0.conv1": torch.arange(10)}
    apply_plan(model=model, example_input=x, plan=plan)
    optimiser = torch.optim.SGD(model.parameters(), lr=0.1)

    loss = nn.functional.cross_entropy(model(x), torch.tensor([0, 1, 2, 3]))
    loss.backward()
    optimiser.step()

    assert model.training and model.stem[0].weight.shape == (14, 1, 3, 3)
    assert all(p.grad is not None and p.grad.shape == p.shape for p in model.parameters())


@pytest.mark.parametrize(
    ("plan", "message"),
    [
        ({"classifier.2": [0]}, "unknown channel groups"),
        ({"features.0": [16]}, "outside"),
        ({"features.0": [-1]}, "outside"),
        ({"features.0": [2, 2]}, "repeats"),
        ({"features.0": list(range(16))}, "all 16 channels"),
    ],
)
def test_bad_plans_are_rejected_and_the_model_is_untouched(build, x, plan, message):
    model = build("cnn")
    before = {k: v.clone() for k, v in model.state_dict().items()}

    with pytest.raises(ValueError, match=message):
        apply_plan(
            model=model, example_input=x, plan={"features.3": torch.tensor([1]), **long(plan)}
        )

    after = model.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)
