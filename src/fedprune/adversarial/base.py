"""The adversary interface, the input gradient both attacks use, and robust accuracy."""

from __future__ import annotations

from typing import Protocol

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from fedprune.registry import Registry


class Adversary(Protocol):
    """Perturb ``x`` within an L-infinity ball of radius ``eps`` to raise the loss on ``y``."""

    def __call__(
        self, *, model: nn.Module, x: Tensor, y: Tensor, eps: float, steps: int
    ) -> Tensor: ...


ADVERSARIES: Registry[Adversary] = Registry("adversarial attack")

# inputs of every bundled data set lie in [0, 1]; perturbed images stay valid images
LOW, HIGH = 0.0, 1.0


def input_gradient(*, model: nn.Module, x: Tensor, y: Tensor) -> Tensor:
    """d(cross-entropy)/dx in eval mode (BatchNorm statistics untouched), no parameter grads."""
    was_training = model.training
    model.eval()
    try:
        x = x.detach().requires_grad_(True)
        loss = F.cross_entropy(model(x), y)
        (grad,) = torch.autograd.grad(loss, x)
    finally:
        model.train(was_training)
    return grad


@torch.no_grad()
def _accuracy(model: nn.Module, x: Tensor, y: Tensor) -> float:
    return float((model(x).argmax(1) == y).float().mean()) if len(y) else 0.0


def robust_accuracy(
    *, model: nn.Module, x: Tensor, y: Tensor, attack: str, eps: float, steps: int
) -> float:
    """Accuracy of ``model`` on ``attack``'s adversarial versions of ``(x, y)``."""
    x_adv = ADVERSARIES.get(attack)(model=model, x=x, y=y, eps=eps, steps=steps)
    was_training = model.training
    model.eval()
    try:
        return _accuracy(model, x_adv, y)
    finally:
        model.train(was_training)
