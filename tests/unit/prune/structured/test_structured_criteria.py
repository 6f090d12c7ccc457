"""Channel criteria: l1, bn_scale, taylor and random, on hand-computed weights."""

import pytest
import torch
from torch import nn

from fedprune.prune.structured import CHANNEL_CRITERIA, channel_scores, plan_channels

X = torch.zeros(1, 2)


def tiny() -> nn.Module:
    """2 -> 3 hidden neurons -> 2 outputs, with weights chosen by hand."""
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 2))
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor([[1.0, -2.0], [0.5, 0.0], [-3.0, 1.0]]))
        model[0].bias.copy_(torch.tensor([100.0, 100.0, 100.0]))  # biases are not scored
        model[2].weight.copy_(torch.tensor([[1.0, 0.0, -1.0], [2.0, 0.25, 0.0]]))
    return model


def test_registry_lists_the_four_criteria():
    assert CHANNEL_CRITERIA.names() == ["bn_scale", "l1", "random", "taylor"]


def test_l1_sums_producing_rows_and_consuming_columns():
    scores = channel_scores(model=tiny(), example_input=X, criterion="l1")

    # neuron j: |row j of layer 0| + |column j of layer 2|
    assert scores.keys() == {"0"}
    assert torch.allclose(scores["0"], torch.tensor([3.0 + 3.0, 0.5 + 0.25, 4.0 + 1.0]))


def test_taylor_is_the_absolute_sum_of_weight_times_gradient_per_layer():
    grads = {
        "0.weight": torch.tensor([[1.0, 1.0], [2.0, 0.0], [1.0, 1.0]]),
        "2.weight": torch.tensor([[1.0, 1.0, 1.0], [-1.0, 4.0, 1.0]]),
        "0.bias": torch.zeros(3),
    }
    model = tiny()

    scores = channel_scores(model=model, example_input=X, criterion="taylor", grads=grads)

    # neuron 0: |1 - 2| + |1 - 2|; neuron 1: |1 + 0| + |0 + 1|; neuron 2: |-3 + 1| + |-1 + 0|
    assert torch.allclose(scores["0"], torch.tensor([2.0, 2.0, 3.0]))
    assert all(p.grad is None for p in model.parameters())  # scored on a copy


def test_taylor_without_gradients_is_an_error():
    with pytest.raises(ValueError, match="needs gradients"):
        channel_scores(model=tiny(), example_input=X, criterion="taylor")
    with pytest.raises(ValueError, match=r"'2\.weight'"):
        channel_scores(
            model=tiny(), example_input=X, criterion="taylor", grads={"0.weight": torch.ones(3, 2)}
        )
    with pytest.raises(ValueError, match="shape"):
        channel_scores(
            model=tiny(),
            example_input=X,
            criterion="taylor",
            grads={"0.weight": torch.ones(3, 2), "2.weight": torch.ones(3, 2)},
        )


def test_bn_scale_removes_the_channels_with_the_smallest_abs_gamma(build, x):
    model = build("cnn_bn")
    gamma = torch.linspace(-1.0, 2.0, 16, dtype=torch.float64)[torch.randperm(16)]
    with torch.no_grad():
        model.features[1].weight.copy_(gamma)

    scores = channel_scores(model=model, example_input=x, criterion="bn_scale")
    plan = plan_channels(scores=scores, ratio=0.25, scope="layer")

    assert list(scores) == ["features.0", "features.4", "classifier.0"]
    assert torch.allclose(scores["features.0"], gamma.abs().float())
    assert set(plan["features.0"].tolist()) == set(gamma.abs().argsort()[:4].tolist())


def test_bn_scale_on_a_group_without_batchnorm_names_the_group(build, x):
    with pytest.raises(ValueError, match=r"'features\.0'"):
        channel_scores(model=build("cnn"), example_input=x, criterion="bn_scale")


def test_groups_restricts_scoring_and_unknown_names_are_errors(build, x):
    model = build("cnn")

    scores = channel_scores(model=model, example_input=x, criterion="l1", groups=["features.3"])

    assert list(scores) == ["features.3"] and scores["features.3"].shape == (32,)
    with pytest.raises(ValueError, match="unknown channel groups"):
        channel_scores(model=model, example_input=x, criterion="l1", groups=["classifier.2"])
    with pytest.raises(ValueError, match="allowed: bn_scale"):
        channel_scores(model=model, example_input=x, criterion="l2")


def test_random_is_seeded_and_in_the_unit_interval(build, x):
    model = build("resnet")

    a = channel_scores(model=model, example_input=x, criterion="random", seed=1)
    b = channel_scores(model=model, example_input=x, criterion="random", seed=1)
    c = channel_scores(model=model, example_input=x, criterion="random", seed=2)

    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not torch.equal(a["stem.0"], c["stem.0"])
    assert all(s.dtype == torch.float32 and s.min() >= 0 and s.max() < 1 for s in a.values())
    assert a["layer3.0.conv2"].shape == (64,)
