"""The ``sensitivity`` pruner: client-side allocation from measured drops, server follows."""

from __future__ import annotations

import pytest
import torch

from fedprune.config import ConfigError, build_config
from fedprune.experiment import Experiment
from fedprune.prune import PRUNERS
from fedprune.prune.sensitivity_pruner import mean_layer_sparsity


def test_mean_layer_sparsity_is_example_weighted() -> None:
    a = {"w": torch.tensor([True, False, False, False])}  # 3/4 pruned
    b = {"w": torch.tensor([True, True, True, False])}  # 1/4 pruned

    out = mean_layer_sparsity(masks=[a, b], weights=[3.0, 1.0])

    assert out == {"w": pytest.approx((3 * 0.75 + 1 * 0.25) / 4)}


def test_server_side_needs_the_clients_layer_targets() -> None:
    pruner = PRUNERS.get("sensitivity")()
    scores = {"a": torch.arange(4.0), "b": torch.arange(8.0)}
    masks = {n: torch.ones_like(s, dtype=torch.bool) for n, s in scores.items()}

    with pytest.raises(ValueError, match="runs on clients"):
        pruner.compute_masks(scores=scores, masks=masks, target=0.5)
    pruner.layer_targets = {"a": 0.25, "b": 0.75}
    out = pruner.compute_masks(scores=scores, masks=masks, target=0.5)

    assert out["a"].tolist() == [False, True, True, True]
    assert out["b"].tolist() == [False] * 6 + [True] * 2


def test_sensitivity_pruner_is_refused_server_side() -> None:
    with pytest.raises(ConfigError, match="sensitivity"):
        build_config(overrides=["pruning.mode=server", "pruning.pruner=sensitivity"])


def test_clients_allocate_unequal_layer_rates_and_meet_the_target() -> None:
    cfg = build_config(
        overrides=[
            "data.dataset=digits",
            "model.name=cnn",
            "data.num_clients=4",
            "data.val_fraction=0.2",
            "federation.clients_per_round=2",
            "federation.rounds=2",
            "train.epochs=1",
            "engine.threads=1",
            "pruning.mode=client",
            "pruning.pruner=sensitivity",
            "pruning.schedule=oneshot",
            "pruning.start_round=2",
            "pruning.target=0.8",
        ]
    )
    result = Experiment(config=cfg).run()

    assert result.summary["rejected_updates"] == result.summary["failed_clients"] == 0
    assert result.summary["global_sparsity"] == pytest.approx(0.8, abs=0.01)
    rates = result.summary["layer_sparsity"]
    # not one uniform rate: sensitive layers keep more
    assert max(rates.values()) - min(rates.values()) > 0.1
