"""Multi-layer perceptron."""

from __future__ import annotations

import math

from torch import Tensor, nn

from fedprune.models.registry import MODELS


class MLP(nn.Module):
    """Flatten, then ``hidden`` ReLU layers, then a linear classifier."""

    def __init__(
        self,
        *,
        input_shape: tuple[int, ...],
        num_classes: int,
        hidden: tuple[int, ...] = (200, 200),
    ) -> None:
        super().__init__()
        layers: list[nn.Module] = [nn.Flatten()]
        width = math.prod(input_shape)
        for h in hidden:
            layers += [nn.Linear(width, h), nn.ReLU()]
            width = h
        layers.append(nn.Linear(width, num_classes))
        self.net = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x)


@MODELS.register("mlp")
def mlp(*, input_shape: tuple[int, ...], num_classes: int) -> nn.Module:
    """The 2x200 MLP of McMahan et al. 2017 (https://arxiv.org/abs/1602.05629)."""
    return MLP(input_shape=input_shape, num_classes=num_classes)
