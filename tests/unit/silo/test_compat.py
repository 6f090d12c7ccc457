"""``train.silo_workers`` reaches the instruction and refuses settings it cannot honour."""

from __future__ import annotations

import pytest

from fedprune.build import build_strategy
from fedprune.config import ConfigError, build_config


def test_silo_workers_default_to_one_process() -> None:
    assert build_config(overrides=[]).train.silo_workers == 1


@pytest.mark.parametrize(
    ("overrides", "wanted"),
    [
        (["train.silo_workers=0"], "train.silo_workers"),
        (["train.silo_workers=2", "train.adversarial=fgsm"], "train.adversarial"),
        (["train.silo_workers=2", "pruning.criterion=taylor"], "pruning.criterion"),
    ],
)
def test_unsupported_silo_settings_are_config_errors(overrides: list[str], wanted: str) -> None:
    with pytest.raises(ConfigError, match=wanted):
        build_config(overrides=overrides)


def test_silo_workers_travel_in_the_instruction() -> None:
    cfg = build_config(overrides=["train.silo_workers=3"])

    strategy = build_strategy(cfg)

    while not hasattr(strategy, "instruction"):  # through the pruning-mode wrappers
        strategy = strategy.inner  # type: ignore[attr-defined]
    assert strategy.instruction.silo_workers == 3
