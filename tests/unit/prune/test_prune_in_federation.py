"""Every criterion, and the ERK pruner, in a tiny federation, client- and server-side."""

from __future__ import annotations

import functools
import math

import pytest
import torch

from fedprune.config import build_config
from fedprune.experiment import Experiment, RunResult
from fedprune.messages import GlobalModel

TINY = [
    "data.dataset=digits",
    "model.name=mlp",
    "data.num_clients=4",
    "federation.clients_per_round=2",
    "federation.rounds=2",
    "train.epochs=1",
    "engine.threads=1",
    "pruning.end_round=2",
]

VARIANTS = {
    "magnitude": ["pruning.criterion=magnitude"],
    "random": ["pruning.criterion=random"],
    "snip": ["pruning.criterion=snip"],
    "taylor": ["pruning.criterion=taylor"],
    "shrink": ["pruning.criterion=shrink", "pruning.shrink_l1=0.001"],
    "shrink0": ["pruning.criterion=shrink", "pruning.shrink_l1=0"],
    "erk": ["pruning.pruner=erk"],
}


@functools.cache
def run(mode: str, variant: str) -> RunResult:
    overrides = [*TINY, f"pruning.mode={mode}", *VARIANTS[variant]]
    return Experiment(config=build_config(overrides=overrides)).run()


def final(mode: str, variant: str) -> GlobalModel:
    model = run(mode, variant).model
    assert model is not None
    return model


def same(a: GlobalModel, b: GlobalModel) -> bool:
    return all(torch.equal(a.params[n], b.params[n]) for n in a.params)


@pytest.mark.parametrize("mode", ["client", "server"])
@pytest.mark.parametrize("variant", ["magnitude", "random", "snip", "taylor", "shrink", "erk"])
def test_a_tiny_federation_prunes_to_the_target(mode: str, variant: str) -> None:
    result = run(mode, variant)

    model = final(mode, variant)
    assert [r["round"] for r in result.rounds] == [1, 2]
    assert result.summary["rejected_updates"] == result.summary["failed_clients"] == 0
    assert result.summary["global_sparsity"] == pytest.approx(0.8, abs=1e-4)
    for name, mask in model.masks.items():
        assert bool((model.params[name][~mask] == 0).all()), name
    assert math.isfinite(result.rounds[-1]["loss"])


@pytest.mark.parametrize("mode", ["client", "server"])
@pytest.mark.parametrize("variant", ["random", "snip", "taylor", "shrink", "erk"])
def test_each_variant_changes_the_outcome_relative_to_magnitude(mode: str, variant: str) -> None:
    assert not same(final(mode, variant), final(mode, "magnitude"))


@pytest.mark.parametrize("mode", ["client", "server"])
def test_shrink_without_l1_is_magnitude(mode: str) -> None:
    assert same(final(mode, "shrink0"), final(mode, "magnitude"))


@pytest.mark.parametrize("mode", ["client", "server"])
def test_random_federations_repeat_with_the_seed(mode: str) -> None:
    again = Experiment(
        config=build_config(overrides=[*TINY, f"pruning.mode={mode}", *VARIANTS["random"]])
    ).run()

    assert again.model is not None
    assert same(again.model, final(mode, "random"))


def test_erk_keeps_the_small_classifier_denser_than_the_large_hidden_layer() -> None:
    sparsity = run("server", "erk").summary["layer_sparsity"]

    # mlp on digits: 64x200, 200x200, 200x10; ERK densities scale with (n_in + n_out) / size
    assert sparsity["net.5.weight"] < sparsity["net.1.weight"] < sparsity["net.3.weight"]
