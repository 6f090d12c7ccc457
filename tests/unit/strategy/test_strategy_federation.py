"""A tiny in-process federation runs with each new strategy, client- or server-side pruned."""

from __future__ import annotations

import functools
import math

import pytest
import torch

from fedprune.config import build_config
from fedprune.experiment import Experiment, RunResult

TINY = [
    "data.dataset=digits",
    "model.name=mlp",
    "data.num_clients=6",
    "federation.clients_per_round=3",
    "federation.rounds=3",
    "train.epochs=1",
    "engine.threads=1",
    "pruning.end_round=3",
]

VARIANTS = {
    "fedavgm": ["federation.strategy=fedavgm"],
    "fedadam": ["federation.strategy=fedadam"],
    "fedyogi": ["federation.strategy=fedyogi"],
    "fedadagrad": ["federation.strategy=fedadagrad"],
    "fedprox": ["federation.strategy=fedprox", "train.prox_mu=0.1"],
    "masked_mean": ["federation.aggregator=masked_mean", "federation.min_votes=2"],
}


@functools.cache
def run(mode: str, variant: str | None) -> RunResult:
    extra = VARIANTS[variant] if variant else []
    return Experiment(config=build_config(overrides=[*TINY, f"pruning.mode={mode}", *extra])).run()


@pytest.mark.parametrize("mode", ["client", "server"])
@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_tiny_federation_runs_pruned_with_each_strategy(mode: str, variant: str) -> None:
    result = run(mode, variant)

    model = result.model
    assert model is not None
    assert [r["round"] for r in result.rounds] == [1, 2, 3]
    assert result.summary["rejected_updates"] == result.summary["failed_clients"] == 0
    # pruning.target 0.8 is reached by round 3, and pruned entries are exactly zero
    assert result.summary["global_sparsity"] >= 0.79
    for name, mask in model.masks.items():
        assert bool((model.params[name][~mask] == 0).all()), name
    # measured final accuracies: 0.19 to 0.55 (chance 0.1)
    assert math.isfinite(result.rounds[-1]["loss"])
    assert result.summary["final_accuracy"] > 0.15
    baseline = run(mode, None).model
    assert baseline is not None
    if (variant, mode) == ("masked_mean", "server"):
        # server-side pruning: every client keeps the global mask, so the masked mean is the mean
        for n in model.params:
            torch.testing.assert_close(model.params[n], baseline.params[n], rtol=0, atol=1e-6)
    else:  # the strategy changed the outcome relative to FedAvg with the same pruning
        assert any(not torch.equal(model.params[n], baseline.params[n]) for n in model.params)
