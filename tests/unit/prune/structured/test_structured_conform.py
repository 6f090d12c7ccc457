"""conform: a model shrinks to the shapes of one pruned elsewhere, or says why it cannot."""

import pytest
import torch

from fedprune.prune.structured import apply_plan, channel_groups, conform, plan_channels


def shapes_of(model):
    return {k: tuple(v.shape) for k, v in model.state_dict().items()}


@pytest.mark.parametrize("name", ["cnn_bn", "resnet"])
def test_conform_reproduces_a_model_pruned_elsewhere(build, x, name):
    server = build(name, seed=0)
    scores = {
        k: torch.rand(n, generator=torch.Generator().manual_seed(5))
        for k, n in channel_groups(model=server, example_input=x).items()
    }
    apply_plan(model=server, example_input=x, plan=plan_channels(scores=scores, ratio=0.5))
    client = build(name, seed=1)

    conform(model=client, example_input=x, shapes=shapes_of(server))

    assert shapes_of(client) == shapes_of(server)
    client.load_state_dict(server.state_dict())
    assert torch.allclose(client(x), server(x), rtol=0, atol=1e-12)


def test_conform_accepts_a_subset_of_the_names_and_keeps_the_first_channels(build, x):
    model = build("cnn")
    old = model.features[3].weight.clone()

    conform(model=model, example_input=x, shapes={"features.3.weight": (20, 16, 5, 5)})

    assert channel_groups(model=model, example_input=x) == {
        "features.0": 16,
        "features.3": 20,
        "classifier.0": 128,
    }
    assert model.classifier[0].weight.shape == (128, 20 * 49)
    assert torch.equal(model.features[3].weight, old[:20])


@pytest.mark.parametrize(
    ("shapes", "message"),
    [
        ({"features.0.weight": (20, 1, 5, 5)}, "'features.0.weight' asks for 20"),
        (
            {"features.0.weight": (8, 1, 5, 5), "features.3.weight": (32, 10, 5, 5)},
            "'features.3.weight' is not reachable",
        ),
        ({"features.0.weight": (16, 1, 3, 3)}, "'features.0.weight' is not reachable"),
        ({"features.9.weight": (4,)}, "no tensor 'features.9.weight'"),
        ({"features.0.bias": (4, 1)}, "'features.0.bias' has shape"),
        ({"classifier.2.weight": (5, 128)}, "'classifier.2.weight' is not reachable"),
    ],
)
def test_unreachable_shapes_are_rejected_and_the_model_is_untouched(build, x, shapes, message):
    model = build("cnn")
    before = shapes_of(model)

    with pytest.raises(ValueError, match=message):
        conform(model=model, example_input=x, shapes=shapes)

    assert shapes_of(model) == before
