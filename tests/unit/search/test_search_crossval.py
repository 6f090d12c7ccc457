"""Cross-validation runs: each fold scored example-weighted over every client's held-out fold."""

from __future__ import annotations

import pytest

from fedprune.config import build_config
from fedprune.experiment import Experiment
from fedprune.search import SweepSetupError, cross_validate, fold_configs
from fedprune.training import evaluate

TINY = ["data.dataset=digits", "model.name=mlp", "data.num_clients=3", "engine.threads=1"]
TINY += ["federation.clients_per_round=3", "federation.rounds=1", "train.epochs=1"]
TINY += ["pruning.schedule=oneshot", "pruning.target=0.5"]


def test_fold_score_is_the_example_weighted_mean_of_the_clients_fold_accuracies() -> None:
    configs = fold_configs(overrides=TINY, folds=2)

    results = cross_validate(configs=configs)

    assert [r.fold for r in results] == [0, 1]
    assert sum(r.examples for r in results) == 1438  # every digits training sample, once
    experiment = Experiment(config=configs[1])  # the same seed reruns the same federation
    model = experiment.run().model
    assert model is not None
    experiment.model.load_state_dict(model.params)
    per_client = [
        (evaluate(model=experiment.model, x=d.x_val, y=d.y_val)[0], len(d.y_val))
        for d in experiment.client_data
        if d.x_val is not None and d.y_val is not None
    ]
    weighted = sum(a * n for a, n in per_client) / sum(n for _, n in per_client)
    assert results[1].accuracy == pytest.approx(weighted, abs=1e-12)
    assert results[1].sparsity == pytest.approx(0.5, abs=1e-3)
    assert results[1].examples == sum(n for _, n in per_client)
    assert len({a for a, _ in per_client}) > 1  # an unweighted mean would differ


def test_fold_configs_need_two_folds_and_cross_validate_needs_fold_configs() -> None:
    with pytest.raises(ValueError, match="folds must be an int >= 2"):
        fold_configs(overrides=TINY, folds=1)
    with pytest.raises(ValueError, match=r"needs configs with data\.cv_folds set"):
        cross_validate(configs=[build_config(overrides=TINY)])


def test_an_experiment_that_cannot_be_built_is_a_setup_error() -> None:
    configs = fold_configs(overrides=[*TINY, "data.partition=iid", "data.num_clients=400"], folds=5)

    with pytest.raises(SweepSetupError, match="fewer than the 5 folds"):
        cross_validate(configs=configs)
