"""Config keys of the strategies and aggregators, and ``build_strategy`` wiring them up."""

from __future__ import annotations

import pytest

from fedprune.build import build_strategy
from fedprune.config import ConfigError, build_config
from fedprune.strategy import FedAdagrad, FedAdam, FedAvg, FedAvgM, FedProx, FedYogi


def strategy(*overrides: str) -> FedAvg:
    built = build_strategy(build_config(overrides=["pruning.mode=none", *overrides]))
    assert isinstance(built, FedAvg)
    return built


def test_new_keys_default_to_unset_and_the_default_run_is_fedavg_mean() -> None:
    cfg = build_config()
    f = cfg.federation

    assert (f.strategy, f.aggregator) == ("fedavg", "mean")
    assert (f.server_lr, f.server_momentum, f.beta1, f.beta2, f.tau) == (None,) * 5
    assert (f.min_votes, f.min_share, cfg.train.prox_mu) == (None, None, None)
    built = strategy()
    assert type(built) is FedAvg
    assert built.aggregator_options == {}
    assert built.instruction.prox_mu == 0.0


def test_fedadam_gets_its_configured_hyperparameters() -> None:
    built = strategy(
        "federation.strategy=fedadam",
        "federation.server_lr=0.05",
        "federation.beta1=0.8",
        "federation.beta2=0.9",
        "federation.tau=0.0001",
    )

    assert isinstance(built, FedAdam)
    assert (built.server_lr, built.beta1, built.beta2, built.tau) == (0.05, 0.8, 0.9, 1e-4)


def test_unset_keys_keep_the_strategys_defaults() -> None:
    built = strategy("federation.strategy=fedyogi", "federation.server_lr=0.2")

    assert isinstance(built, FedYogi)
    assert (built.server_lr, built.beta1, built.beta2) == (0.2, 0.9, 0.99)


@pytest.mark.parametrize(
    ("overrides", "cls", "attrs"),
    [
        (["federation.server_momentum=0.7"], FedAvgM, {"server_momentum": 0.7}),
        (["federation.beta1=0.5", "federation.tau=0.01"], FedAdagrad, {"beta1": 0.5}),
        (["train.prox_mu=0.2"], FedProx, {"prox_mu": 0.2}),
        ([], FedProx, {"prox_mu": 0.01}),
    ],
)
def test_each_strategy_is_built_from_its_name(
    overrides: list[str], cls: type, attrs: dict[str, float]
) -> None:
    name = cls.__name__.lower()

    built = strategy(f"federation.strategy={name}", *overrides)

    assert type(built) is cls
    assert {k: getattr(built, k) for k in attrs} == attrs


def test_fedprox_passes_mu_to_the_clients() -> None:
    built = strategy("federation.strategy=fedprox", "train.prox_mu=0.2")

    assert built.instruction.prox_mu == 0.2


def test_prox_mu_is_a_local_training_setting_for_any_strategy() -> None:
    assert strategy("train.prox_mu=0.2").instruction.prox_mu == 0.2


def test_fedprox_with_a_zero_mu_is_refused() -> None:
    with pytest.raises(ValueError, match="prox_mu must be > 0"):
        strategy("federation.strategy=fedprox", "train.prox_mu=0")


def test_masked_mean_gets_its_vote_options() -> None:
    built = strategy(
        "federation.aggregator=masked_mean", "federation.min_votes=2", "federation.min_share=0.3"
    )

    assert built.mask_aware
    assert built.aggregator_options == {"min_votes": 2, "min_share": 0.3}


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ("federation.server_lr=0", "federation.server_lr"),
        ("federation.server_lr=-1.0", "federation.server_lr"),
        ("federation.server_momentum=1.0", "federation.server_momentum"),
        ("federation.beta1=1.0", "federation.beta1"),
        ("federation.beta2=-0.1", "federation.beta2"),
        ("federation.tau=0.0", "federation.tau"),
        ("federation.min_votes=0", "federation.min_votes"),
        ("federation.min_votes=1.5", "federation.min_votes"),
        ("federation.min_share=1.5", "federation.min_share"),
        ("train.prox_mu=-0.1", "train.prox_mu"),
        ("federation.strategy=fedfoo", "federation.strategy"),
        ("federation.aggregator=geometric_median", "federation.aggregator"),
    ],
)
def test_bad_values_are_rejected_naming_the_field(override: str, field: str) -> None:
    with pytest.raises(ConfigError, match=field):
        build_config(
            overrides=["federation.strategy=fedadam", "federation.aggregator=masked_mean", override]
        )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["federation.server_lr=0.1"], "server_lr is not used by strategy 'fedavg'"),
        (["federation.strategy=fedavgm", "federation.beta2=0.9"], "beta2 is not used"),
        (["federation.strategy=fedadagrad", "federation.beta2=0.9"], "beta2 is not used"),
        (["federation.min_votes=2"], "min_votes is not used by aggregator 'mean'"),
    ],
)
def test_keys_the_chosen_components_ignore_are_rejected(overrides: list[str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        build_config(overrides=overrides)


def test_a_prox_mu_that_would_make_local_sgd_diverge_is_rejected() -> None:
    with pytest.raises(ConfigError, match=r"train.prox_mu .* must be <"):
        build_config(overrides=["train.lr=0.1", "train.momentum=0.0", "train.prox_mu=20"])
    assert build_config(overrides=["train.lr=0.1", "train.momentum=0.0", "train.prox_mu=19"])
