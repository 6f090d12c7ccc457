"""Adaptive per-client pruning: offsets from capacities, per-client orders, less uplink."""

from __future__ import annotations

import pytest

from fedprune.build import adaptive_offsets
from fedprune.config import ConfigError, build_config
from fedprune.experiment import Experiment
from fedprune.strategy.adaptive import capacity_offsets

TINY = [
    "data.dataset=digits",
    "model.name=mlp",
    "data.num_clients=6",
    "federation.clients_per_round=6",
    "federation.rounds=2",
    "train.epochs=1",
    "engine.threads=1",
    "pruning.mode=client",
    "pruning.schedule=oneshot",
    "pruning.start_round=1",
    "pruning.target=0.5",
]


def test_capacity_offsets_on_exact_numbers() -> None:
    assert capacity_offsets(capacity=[4.0, 2.0, 0.0], max_extra=0.2).tolist() == pytest.approx(
        [0.0, 0.1, 0.2]
    )
    assert capacity_offsets(capacity=[0.0, 0.0], max_extra=0.2).tolist() == [0.0, 0.0]
    with pytest.raises(ValueError):
        capacity_offsets(capacity=[-1.0], max_extra=0.2)


def test_offsets_average_the_chosen_capacities() -> None:
    cfg = build_config(overrides=[*TINY, "adaptive.enabled=true", "adaptive.by=[data]"])
    offsets = adaptive_offsets(cfg, sizes=[100, 50, 0, 100, 100, 100])
    assert offsets is not None
    assert [offsets[c] for c in range(3)] == pytest.approx([0.0, 0.075, 0.15])
    assert adaptive_offsets(build_config(overrides=TINY), sizes=[1, 2]) is None


def test_adaptive_needs_client_side_pruning() -> None:
    with pytest.raises(ConfigError, match="adaptive"):
        build_config(overrides=["adaptive.enabled=true", "pruning.mode=server"])


def test_slow_clients_upload_sparser_models_and_the_global_target_holds() -> None:
    plain = Experiment(config=build_config(overrides=TINY)).run()
    exp = Experiment(
        config=build_config(overrides=[*TINY, "adaptive.enabled=true", "adaptive.max_extra=0.3"])
    )
    offsets = exp.strategy.offsets  # type: ignore[attr-defined]
    adaptive = exp.run()

    assert max(offsets.values()) > 0  # some clients sit on slower tiers
    row = adaptive.rounds[0]
    for cid, sparsity in row["client_sparsity"].items():
        assert sparsity == pytest.approx(0.5 + offsets[int(cid)], abs=0.01)
    assert adaptive.rounds[0]["bytes_up"] < plain.rounds[0]["bytes_up"]
    assert adaptive.summary["global_sparsity"] == pytest.approx(0.5, abs=0.01)
