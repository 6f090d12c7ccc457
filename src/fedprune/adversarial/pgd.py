"""Projected gradient descent (Madry et al. 2018, https://arxiv.org/abs/1706.06083)."""

from __future__ import annotations

from torch import Tensor, nn

from fedprune.adversarial.base import ADVERSARIES, HIGH, LOW, input_gradient


@ADVERSARIES.register("pgd")
def pgd(*, model: nn.Module, x: Tensor, y: Tensor, eps: float, steps: int = 5) -> Tensor:
    """``steps`` signed-gradient steps of ``2.5 * eps / steps`` from ``x``, each projected
    back into the L-infinity ball of radius ``eps`` and [0, 1].

    Deterministic: no random start, so the same model and data give the same examples.
    """
    if steps < 1:
        raise ValueError(f"pgd needs steps >= 1, got {steps}")
    alpha = 2.5 * eps / steps
    x0 = x.detach()
    adv = x0.clone()
    for _ in range(steps):
        grad = input_gradient(model=model, x=adv, y=y)
        adv = adv + alpha * grad.sign()
        adv = (x0 + (adv - x0).clamp(-eps, eps)).clamp(LOW, HIGH).detach()
    return adv
