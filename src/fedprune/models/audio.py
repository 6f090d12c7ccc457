"""Small convolutional network for log-mel spectrogram keywords."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from fedprune.models.registry import MODELS


class AudioCNN(nn.Module):
    """Conv-BN-ReLU-max-pool blocks, a hidden linear layer over the flattened time-frequency
    map, and a classifier.

    A keyword-spotting CNN in the spirit of Sainath & Parada (2015) and Zhang et al.'s "Hello
    Edge" (https://arxiv.org/abs/1711.07128), cut down for 40x49 log-mel inputs. The head
    flattens rather than averaging over time: a spoken digit is told apart by the order of its
    sounds, and a global average loses it (measured: 0.82 vs 0.98 held-out-voice accuracy
    centrally). Only Conv2d/BatchNorm2d/ReLU/MaxPool2d/Linear layers are used, so Torch-Pruning
    can remove channels structurally. Input BatchNorm rescales raw log-mel values (about -14
    to 4).
    """

    def __init__(
        self,
        *,
        input_shape: tuple[int, ...],
        num_classes: int,
        channels: tuple[int, ...] = (16, 32, 64),
        hidden: int = 64,
    ) -> None:
        super().__init__()
        if len(input_shape) != 3:
            raise ValueError(
                f"model 'audio_cnn' needs (C, n_mels, frames) inputs, got shape {input_shape}"
            )
        if min(input_shape[1:]) < 2 ** len(channels):
            raise ValueError(
                f"model 'audio_cnn' needs at least {2 ** len(channels)} mels and frames "
                f"for {len(channels)} blocks, got shape {input_shape}"
            )
        width = input_shape[0]
        layers: list[nn.Module] = [nn.BatchNorm2d(width)]
        for c in channels:
            layers += [
                nn.Conv2d(width, c, 3, padding=1, bias=False),
                nn.BatchNorm2d(c),
                nn.ReLU(),
                nn.MaxPool2d(2),
            ]
            width = c
        self.features = nn.Sequential(*layers, nn.Flatten())
        with torch.no_grad():
            flat = self.features.eval()(torch.zeros(1, *input_shape)).shape[1]
        self.features.train()
        self.classifier = nn.Sequential(
            nn.Linear(flat, hidden), nn.ReLU(), nn.Linear(hidden, num_classes)
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.classifier(self.features(x))


@MODELS.register("audio_cnn")
def audio_cnn(*, input_shape: tuple[int, ...], num_classes: int) -> nn.Module:
    """conv16-conv32-conv64 with BatchNorm and max-pooling, fc64, about 147k parameters on
    40x49 log-mel inputs."""
    return AudioCNN(input_shape=input_shape, num_classes=num_classes)
