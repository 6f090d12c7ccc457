"""Small CIFAR-style residual network (He et al. 2016)."""

from __future__ import annotations

from torch import Tensor, nn

from fedprune.models.registry import MODELS


class BasicBlock(nn.Module):
    """Two 3x3 conv-BN layers plus a shortcut: identity, or a strided 1x1 conv-BN projection
    when the block changes width or resolution."""

    def __init__(self, *, in_channels: int, out_channels: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU()
        self.shortcut: nn.Module = nn.Identity()
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride, bias=False),
                nn.BatchNorm2d(out_channels),
            )

    @property
    def shape_preserving(self) -> bool:
        """Whether output and input have the same shape, so the block can become an identity."""
        return isinstance(self.shortcut, nn.Identity)

    def forward(self, x: Tensor) -> Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + self.shortcut(x))


class ResNet(nn.Module):
    """3x3 conv stem, three stages of ``BasicBlock`` (the 2nd and 3rd halve the resolution and
    move to the next width), global average pooling and a linear classifier.

    With ``widths=(16, 32, 64)`` and ``blocks=(2, 2, 2)`` this is ResNet-14 in the CIFAR layout
    of He et al. 2016 (https://arxiv.org/abs/1512.03385), about 0.17M parameters; any input
    size of at least 4x4 works (1x28x28, 3x32x32, 1x8x8).
    """

    def __init__(
        self,
        *,
        input_shape: tuple[int, ...],
        num_classes: int,
        widths: tuple[int, int, int] = (16, 32, 64),
        blocks: tuple[int, int, int] = (2, 2, 2),
    ) -> None:
        super().__init__()
        if len(input_shape) != 3:
            raise ValueError(f"model 'resnet' needs (C, H, W) inputs, got shape {input_shape}")
        self.stem = nn.Sequential(
            nn.Conv2d(input_shape[0], widths[0], 3, 1, 1, bias=False),
            nn.BatchNorm2d(widths[0]),
            nn.ReLU(),
        )
        stages: list[nn.Module] = []
        width = widths[0]
        for i, (w, n) in enumerate(zip(widths, blocks, strict=True)):
            stage = []
            for j in range(n):
                stride = 2 if i > 0 and j == 0 else 1
                stage.append(BasicBlock(in_channels=width, out_channels=w, stride=stride))
                width = w
            stages.append(nn.Sequential(*stage))
        self.layer1, self.layer2, self.layer3 = stages
        self.pool = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.fc = nn.Linear(width, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        x = self.layer3(self.layer2(self.layer1(self.stem(x))))
        return self.fc(self.pool(x))


@MODELS.register("resnet")
def resnet(*, input_shape: tuple[int, ...], num_classes: int) -> nn.Module:
    """ResNet-14 (16/32/64 channels, two blocks per stage), about 0.17M parameters."""
    return ResNet(input_shape=input_shape, num_classes=num_classes)
