"""Shared models for the structured-pruning tests: float64, BatchNorm statistics made
non-trivial so that a channel that is merely zeroed upstream still moves the output."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch
from torch import nn

from fedprune.models import build_model

Builder = Callable[[str], nn.Module]


@pytest.fixture
def build() -> Builder:
    def make(name: str, seed: int = 0) -> nn.Module:
        torch.manual_seed(seed)
        model = build_model(name=name, input_shape=(1, 28, 28), num_classes=10).double()
        with torch.no_grad():
            for m in model.modules():
                if isinstance(m, nn.modules.batchnorm._BatchNorm):
                    m.running_mean.uniform_(-1.0, 1.0)
                    m.running_var.uniform_(0.5, 2.0)
                    m.weight.uniform_(0.5, 1.5)
                    m.bias.uniform_(-0.5, 0.5)
        return model.eval()

    return make


@pytest.fixture
def x() -> torch.Tensor:
    return torch.randn(
        4, 1, 28, 28, generator=torch.Generator().manual_seed(1), dtype=torch.float64
    )
