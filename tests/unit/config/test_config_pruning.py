"""The pruning section: criteria, the ERK pruner and the L1 shrinkage rules."""

from __future__ import annotations

import pytest

from fedprune.build import build_strategy
from fedprune.config import ConfigError, build_config
from fedprune.messages import GlobalModel
from fedprune.prune import CRITERIA, PRUNERS


def config_error(overrides: list[str]) -> str:
    with pytest.raises(ConfigError) as info:
        build_config(overrides=overrides)
    return str(info.value)


@pytest.mark.parametrize("criterion", ["magnitude", "random", "snip", "taylor"])
def test_every_registered_criterion_but_shrink_is_accepted_alone(criterion: str) -> None:
    cfg = build_config(overrides=[f"pruning.criterion={criterion}"])

    assert cfg.pruning.criterion == criterion
    assert criterion in CRITERIA


def test_the_config_offers_every_registered_criterion_and_pruner() -> None:
    message = config_error(["pruning.criterion=hessian"])

    for name in CRITERIA:
        assert repr(name) in message, name
    message = config_error(["pruning.pruner=rigl"])
    for name in PRUNERS:
        assert repr(name) in message, name


def test_erk_is_a_pruner() -> None:
    assert build_config(overrides=["pruning.pruner=erk"]).pruning.pruner == "erk"


def test_shrink_needs_an_l1_strength() -> None:
    message = config_error(["pruning.criterion=shrink"])

    assert message == (
        "pruning: pruning.shrink_l1 (>= 0) is required when pruning.criterion = 'shrink'"
    )


def test_an_l1_strength_without_shrink_is_rejected() -> None:
    message = config_error(["pruning.shrink_l1=0.001"])

    assert "pruning.shrink_l1 is only used by pruning.criterion = 'shrink'" in message
    assert "'magnitude'" in message


def test_a_negative_l1_strength_is_rejected() -> None:
    message = config_error(["pruning.criterion=shrink", "pruning.shrink_l1=-1"])

    assert message.startswith("pruning.shrink_l1:")


def test_the_l1_strength_reaches_every_client_instruction() -> None:
    cfg = build_config(
        overrides=["pruning.criterion=shrink", "pruning.shrink_l1=0.001", "data.num_clients=10"]
    )

    empty = GlobalModel(params={}, masks={})

    plan = build_strategy(cfg).configure_round(rnd=1, model=empty, clients=[0, 3])

    assert {c: i.shrink_l1 for c, i in plan.items()} == {0: 0.001, 3: 0.001}
