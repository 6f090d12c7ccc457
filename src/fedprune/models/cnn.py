"""Small LeNet-style convolutional network."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from fedprune.models.registry import MODELS


class CNN(nn.Module):
    """Two 5x5 conv + max-pool stages, a hidden linear layer and a classifier (LeCun et al. 1998).

    Padding keeps the spatial size before each pool, so 8x8 (sklearn digits) and 28x28 inputs
    both work.
    """

    def __init__(
        self,
        *,
        input_shape: tuple[int, ...],
        num_classes: int,
        channels: tuple[int, int] = (16, 32),
        hidden: int = 128,
    ) -> None:
        super().__init__()
        if len(input_shape) != 3:
            raise ValueError(f"model 'cnn' needs (C, H, W) inputs, got shape {input_shape}")
        c1, c2 = channels
        self.features = nn.Sequential(
            nn.Conv2d(input_shape[0], c1, 5, padding=2),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(c1, c2, 5, padding=2),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
        )
        with torch.no_grad():
            flat = self.features(torch.zeros(1, *input_shape)).shape[1]
        self.classifier = nn.Sequential(
            nn.Linear(flat, hidden), nn.ReLU(), nn.Linear(hidden, num_classes)
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.classifier(self.features(x))


@MODELS.register("cnn")
def cnn(*, input_shape: tuple[int, ...], num_classes: int) -> nn.Module:
    """conv16-conv32-fc128, about 215k parameters on 28x28 inputs."""
    return CNN(input_shape=input_shape, num_classes=num_classes)
