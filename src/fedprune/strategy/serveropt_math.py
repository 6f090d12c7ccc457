"""Server optimiser update rules (Reddi et al. 2021) as pure element-wise tensor functions.

Each rule takes the pseudo-gradient ``delta`` (aggregate - global, a *descent* direction) and
the previous moments, and returns the step to *add* to the global model with the new moments.
Inputs are never modified. Every rule maps an entry whose ``delta`` and moments are zero to a
step of exactly zero, which is what keeps pruned entries pruned.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor


class Step(NamedTuple):
    """The step to add to the global tensor and the optimiser's new moments."""

    step: Tensor
    m: Tensor
    v: Tensor | None = None


def momentum_step(*, delta: Tensor, m: Tensor, server_lr: float, server_momentum: float) -> Step:
    """FedAvgM: ``m = beta m + delta``, step ``lr m`` (Hsu et al. 2019).

    With ``server_lr = 1`` and ``server_momentum = 0`` the step is ``delta``: plain FedAvg.
    """
    m = server_momentum * m + delta
    return Step(step=server_lr * m, m=m)


def _first_moment(*, delta: Tensor, m: Tensor, beta1: float) -> Tensor:
    return beta1 * m + (1 - beta1) * delta


def _adaptive(*, m: Tensor, v: Tensor, server_lr: float, tau: float) -> Tensor:
    return server_lr * m / (v.sqrt() + tau)


def adam_step(
    *,
    delta: Tensor,
    m: Tensor,
    v: Tensor,
    t: int,
    server_lr: float,
    beta1: float,
    beta2: float,
    tau: float,
    bias_correction: bool = True,
) -> Step:
    """FedAdam: ``m = b1 m + (1-b1) delta``, ``v = b2 v + (1-b2) delta^2``.

    The step is ``lr m_hat / (sqrt(v_hat) + tau)``. With ``bias_correction`` (Kingma & Ba, as in
    Flower) ``m_hat = m / (1 - b1^t)`` and ``v_hat = v / (1 - b2^t)`` for step count ``t``
    (1-based), so a constant ``delta`` moves each entry by ``lr |delta| / (|delta| + tau)`` from
    the first round on; without it they are ``m`` and ``v`` (Reddi et al., Algorithm 2).
    """
    if t < 1:
        raise ValueError(f"t must be >= 1, got {t}")
    m = _first_moment(delta=delta, m=m, beta1=beta1)
    v = beta2 * v + (1 - beta2) * delta * delta
    m_hat, v_hat = (m / (1 - beta1**t), v / (1 - beta2**t)) if bias_correction else (m, v)
    return Step(step=_adaptive(m=m_hat, v=v_hat, server_lr=server_lr, tau=tau), m=m, v=v)


def yogi_step(
    *,
    delta: Tensor,
    m: Tensor,
    v: Tensor,
    server_lr: float,
    beta1: float,
    beta2: float,
    tau: float,
) -> Step:
    """FedYogi: ``v = v - (1-b2) delta^2 sign(v - delta^2)``; step ``lr m / (sqrt(v) + tau)``.

    ``v`` moves additively towards ``delta^2`` (never past it), so it cannot collapse as fast as
    Adam's when gradients shrink (Zaheer et al. 2018).
    """
    sq = delta * delta
    m = _first_moment(delta=delta, m=m, beta1=beta1)
    v = v - (1 - beta2) * sq * torch.sign(v - sq)
    return Step(step=_adaptive(m=m, v=v, server_lr=server_lr, tau=tau), m=m, v=v)


def adagrad_step(
    *, delta: Tensor, m: Tensor, v: Tensor, server_lr: float, beta1: float, tau: float
) -> Step:
    """FedAdagrad: ``v = v + delta^2``; step ``lr m / (sqrt(v) + tau)``."""
    m = _first_moment(delta=delta, m=m, beta1=beta1)
    v = v + delta * delta
    return Step(step=_adaptive(m=m, v=v, server_lr=server_lr, tau=tau), m=m, v=v)
