"""Channel groups found through Torch-Pruning's dependency graph."""

import torch

from fedprune.models import build_model
from fedprune.prune.structured import channel_groups


def test_cnn_groups_are_the_hidden_layers_in_module_order_without_the_classifier(build, x):
    groups = channel_groups(model=build("cnn"), example_input=x)

    assert list(groups.items()) == [("features.0", 16), ("features.3", 32), ("classifier.0", 128)]


def test_resnet_groups_exclude_the_classifier_and_tie_residual_sums_together(build, x):
    groups = channel_groups(model=build("resnet"), example_input=x)

    # the stem's channels are summed with both layer1 blocks' outputs: one group, keyed by the
    # first conv; so are each later stage's projection and second block
    assert groups == {
        "stem.0": 16,
        "layer1.0.conv1": 16,
        "layer1.1.conv1": 16,
        "layer2.0.conv1": 32,
        "layer2.0.conv2": 32,
        "layer2.1.conv1": 32,
        "layer3.0.conv1": 64,
        "layer3.0.conv2": 64,
        "layer3.1.conv1": 64,
    }


def test_mlp_groups_are_its_hidden_layers():
    model = build_model(name="mlp", input_shape=(1, 28, 28), num_classes=10)

    groups = channel_groups(model=model, example_input=torch.zeros(1, 1, 28, 28))

    assert groups == {"net.1": 200, "net.3": 200}


def test_finding_groups_leaves_training_mode_and_weights_alone(build, x):
    model = build("cnn_bn").train()
    model.features[1].eval()
    before = {k: v.clone() for k, v in model.state_dict().items()}

    channel_groups(model=model, example_input=x)

    assert model.training and model.classifier[1].training
    assert not model.features[1].training
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
