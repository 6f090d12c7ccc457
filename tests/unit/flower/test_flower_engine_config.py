"""The flower engine refuses what it cannot run, and the Flower run config maps to fedprune's."""

from __future__ import annotations

import pytest

from fedprune.config import build_config
from fedprune.engine import ENGINES
from fedprune.engine.flower import FlowerEngine

BASE = [
    "data.dataset=digits",
    "model.name=mlp",
    "data.num_clients=2",
    "federation.clients_per_round=2",
    "engine.name=flower",
]


def test_flower_is_a_registered_engine_built_from_the_config() -> None:
    cfg = build_config(overrides=[*BASE, "engine.client_cpus=0.5"])

    engine = ENGINES.get("flower").from_config(cfg)

    assert isinstance(engine, FlowerEngine)
    assert engine.num_clients == 2
    assert engine.engine_cfg.client_cpus == 0.5
    assert engine.round_metrics() == {"wire_bytes_up": 0, "wire_bytes_down": 0}


@pytest.mark.parametrize(
    "overrides",
    [["codec.delta=true", "codec.error_feedback=true"], ["codec.downlink=mask-known+fp16+zstd"]],
    ids=["error-feedback", "mask-known-downlink"],
)
def test_client_memory_across_rounds_is_accepted(overrides: list[str]) -> None:
    cfg = build_config(overrides=[*BASE, *overrides])

    assert isinstance(ENGINES.get("flower").from_config(cfg), FlowerEngine)


def test_secure_aggregation_is_refused() -> None:
    cfg = build_config(overrides=[*BASE, "secagg.enabled=true", "pruning.mode=server"])

    with pytest.raises(ValueError, match=r"secagg\.enabled"):
        ENGINES.get("flower").from_config(cfg)


def test_run_config_keys_become_overrides() -> None:
    pytest.importorskip("flwr")
    from fedprune.flower.server_app import config_from_run_config

    cfg = config_from_run_config(
        {
            "config": "",
            "out": "/somewhere",
            "data.dataset": "digits",
            "model.name": "mlp",
            "federation.rounds": 2,
            "pruning.target": 0.5,
            "codec.uplink": "fp32",
        }
    )

    assert cfg.federation.rounds == 2
    assert cfg.pruning.target == 0.5
    assert cfg.engine.name == "flower"
