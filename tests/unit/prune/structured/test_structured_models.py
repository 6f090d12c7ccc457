"""The models structured pruning is exercised on: cnn_bn and the small ResNet."""

import pytest
import torch
from torch import nn

from fedprune.models import MODELS, build_model
from fedprune.profile import count_params


@pytest.mark.parametrize("shape", [(1, 28, 28), (3, 32, 32), (1, 8, 8)])
def test_resnet_runs_on_mnist_cifar_and_digits_shapes(shape):
    model = build_model(name="resnet", input_shape=shape, num_classes=7)

    out = model(torch.randn(2, *shape))

    assert out.shape == (2, 7)
    assert 100_000 <= count_params(model=model) <= 300_000


def test_resnet_layout_has_projections_only_where_shapes_change():
    model = build_model(name="resnet", input_shape=(3, 32, 32), num_classes=10)

    blocks = {n: m for n, m in model.named_modules() if n.count(".") == 1 and "layer" in n}

    assert [n for n, b in blocks.items() if b.shape_preserving] == [
        "layer1.0",
        "layer1.1",
        "layer2.1",
        "layer3.1",
    ]
    assert model.layer3[0].shortcut[0].stride == (2, 2)
    assert sum(isinstance(m, nn.BatchNorm2d) for m in model.modules()) == 1 + 6 * 2 + 2


def test_cnn_bn_adds_batchnorm_and_leaves_cnn_unchanged():
    plain = build_model(name="cnn", input_shape=(1, 28, 28), num_classes=10)
    bn = build_model(name="cnn_bn", input_shape=(1, 28, 28), num_classes=10)

    assert {"cnn", "cnn_bn", "resnet"} <= set(MODELS.names())
    assert [type(m).__name__ for m in plain.features] == [
        "Conv2d",
        "ReLU",
        "MaxPool2d",
        "Conv2d",
        "ReLU",
        "MaxPool2d",
        "Flatten",
    ]
    assert count_params(model=plain) == 215_370
    # biases before BN are dropped (16 + 32 + 128), gamma and beta added (2 x 176)
    assert count_params(model=bn) == 215_370 - 176 + 2 * 176
    assert bn(torch.randn(3, 1, 28, 28)).shape == (3, 10)
