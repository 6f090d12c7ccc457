"""Small LeNet-style convolutional network, optionally with BatchNorm."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from fedprune.models.registry import MODELS


class CNN(nn.Module):
    """Two 5x5 conv + max-pool stages, a hidden linear layer and a classifier (LeCun et al. 1998).

    Padding keeps the spatial size before each pool, so 8x8 (sklearn digits) and 28x28 inputs
    both work. ``batch_norm`` puts a BatchNorm after each conv and after the hidden linear layer
    (before the ReLU, convs then without bias), so every prunable channel has a scale ``gamma``.
    """

    def __init__(
        self,
        *,
        input_shape: tuple[int, ...],
        num_classes: int,
        channels: tuple[int, int] = (16, 32),
        hidden: int = 128,
        batch_norm: bool = False,
    ) -> None:
        super().__init__()
        if len(input_shape) != 3:
            raise ValueError(f"model 'cnn' needs (C, H, W) inputs, got shape {input_shape}")
        layers: list[nn.Module] = []
        width = input_shape[0]
        for c in channels:
            layers.append(nn.Conv2d(width, c, 5, padding=2, bias=not batch_norm))
            if batch_norm:
                layers.append(nn.BatchNorm2d(c))
            layers += [nn.ReLU(), nn.MaxPool2d(2)]
            width = c
        self.features = nn.Sequential(*layers, nn.Flatten())
        with torch.no_grad():
            flat = self.features(torch.zeros(1, *input_shape)).shape[1]
        head: list[nn.Module] = [nn.Linear(flat, hidden, bias=not batch_norm)]
        if batch_norm:
            head.append(nn.BatchNorm1d(hidden))
        self.classifier = nn.Sequential(*head, nn.ReLU(), nn.Linear(hidden, num_classes))

    def forward(self, x: Tensor) -> Tensor:
        return self.classifier(self.features(x))


@MODELS.register("cnn")
def cnn(*, input_shape: tuple[int, ...], num_classes: int) -> nn.Module:
    """conv16-conv32-fc128, about 215k parameters on 28x28 inputs."""
    return CNN(input_shape=input_shape, num_classes=num_classes)


@MODELS.register("cnn_bn")
def cnn_bn(*, input_shape: tuple[int, ...], num_classes: int) -> nn.Module:
    """``cnn`` with BatchNorm after each hidden layer: the network-slimming setting (Liu et al.
    2017, https://arxiv.org/abs/1708.06519), whose ``|gamma|`` rank channels."""
    return CNN(input_shape=input_shape, num_classes=num_classes, batch_norm=True)


@MODELS.register("cnn_fedavg")
def cnn_fedavg(*, input_shape: tuple[int, ...], num_classes: int) -> nn.Module:
    """conv32-conv64-fc512, about 1.66M parameters on 28x28 inputs: the MNIST CNN of FedAvg
    (McMahan et al. 2017, https://arxiv.org/abs/1602.05629) and of the simulator benchmark."""
    return CNN(input_shape=input_shape, num_classes=num_classes, channels=(32, 64), hidden=512)
