"""Fast gradient sign method (Goodfellow et al. 2015, https://arxiv.org/abs/1412.6572)."""

from __future__ import annotations

from torch import Tensor, nn

from fedprune.adversarial.base import ADVERSARIES, HIGH, LOW, input_gradient


@ADVERSARIES.register("fgsm")
def fgsm(*, model: nn.Module, x: Tensor, y: Tensor, eps: float, steps: int = 1) -> Tensor:
    """One signed-gradient step of size ``eps`` (``steps`` is ignored), clamped to [0, 1]."""
    grad = input_gradient(model=model, x=x, y=y)
    return (x + eps * grad.sign()).clamp(LOW, HIGH).detach()
