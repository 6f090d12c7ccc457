"""Privacy modes: how differential privacy wraps the base strategy (none, central, local)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fedprune.privacy import Accountant
from fedprune.registry import Registry
from fedprune.strategy.base import Strategy
from fedprune.strategy.dp_fedavg import CentralDP
from fedprune.strategy.dp_local import LocalDP

Wrap = Callable[..., Strategy]
PRIVACY_MODES: Registry[Wrap] = Registry("privacy mode")


@PRIVACY_MODES.register("none")
def _none(*, inner: Strategy, **_: Any) -> Strategy:
    return inner


@PRIVACY_MODES.register("central")
def _central(
    *,
    inner: Strategy,
    clip: float,
    noise_multiplier: float,
    sample_rate: float,
    accountant: Accountant,
    expected_clients: int,
    seed: int,
    adaptive: bool,
    target_quantile: float,
    clip_lr: float,
    count_noise: float | None,
) -> Strategy:
    return CentralDP(
        inner=inner,
        clip=clip,
        noise_multiplier=noise_multiplier,
        sample_rate=sample_rate,
        accountant=accountant,
        expected_clients=expected_clients,
        seed=seed,
        adaptive=adaptive,
        target_quantile=target_quantile,
        clip_lr=clip_lr,
        count_noise=count_noise,
    )


@PRIVACY_MODES.register("local")
def _local(
    *,
    inner: Strategy,
    clip: float,
    noise_multiplier: float,
    sample_rate: float,
    accountant: Accountant,
    **_: Any,
) -> Strategy:
    return LocalDP(
        inner=inner,
        clip=clip,
        noise_multiplier=noise_multiplier,
        sample_rate=sample_rate,
        accountant=accountant,
    )
