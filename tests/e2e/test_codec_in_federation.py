"""Codec pipelines in a real (tiny) federation: bytes shrink, training still works."""

import pytest
import torch

from fedprune.config import build_config
from fedprune.experiment import Experiment

TINY = [
    "data.dataset=digits",
    "data.num_clients=8",
    "federation.clients_per_round=4",
    "federation.rounds=6",
    "model.name=mlp",
    "train.epochs=2",
    "engine.threads=1",
]


def run(*overrides: str) -> dict:
    return Experiment(config=build_config(overrides=[*TINY, *overrides])).run().summary


@pytest.fixture(scope="module")
def dense() -> dict:
    return run("pruning.mode=none")


@pytest.mark.parametrize(
    ("overrides", "max_ratio"),
    [
        (["codec.uplink=fp16", "codec.downlink=fp16"], 0.51),
        (["codec.uplink=int8+zstd"], 0.30),
        (
            ["codec.uplink=topk(0.1)+int8+zstd", "codec.delta=true", "codec.error_feedback=true"],
            0.1,
        ),
        (
            [
                "codec.uplink=topk(0.05)+ternary+zstd",
                "codec.delta=true",
                "codec.error_feedback=true",
            ],
            0.05,
        ),
    ],
    ids=["fp16", "int8", "topk-ef", "stc"],
)
def test_compressed_uplink_is_smaller_and_still_learns(
    dense: dict, overrides: list[str], max_ratio: float
) -> None:
    summary = run("pruning.mode=none", *overrides)
    assert summary["bytes_up_total"] < max_ratio * dense["bytes_up_total"]
    assert summary["final_accuracy"] > dense["final_accuracy"] - 0.15
    assert summary["rejected_updates"] == 0


def test_server_pruning_with_mask_known_delta_uplink_keeps_the_mask() -> None:
    summary = run(
        "pruning.mode=server",
        "pruning.target=0.8",
        "pruning.end_round=3",
        "codec.uplink=mask-known+int8+zstd",
        "codec.delta=true",
    )
    assert summary["rejected_updates"] == 0
    assert summary["global_sparsity"] == pytest.approx(0.8, abs=1e-3)


def test_client_pruning_with_quantised_sparse_uplink() -> None:
    plain = run("pruning.target=0.8", "pruning.end_round=3")
    squeezed = run("pruning.target=0.8", "pruning.end_round=3", "codec.uplink=int8+zstd")
    assert squeezed["bytes_up_total"] < 0.5 * plain["bytes_up_total"]
    assert squeezed["global_sparsity"] == pytest.approx(0.8, abs=1e-3)


def test_client_pruning_with_a_delta_uplink_matches_the_weight_uplink() -> None:
    plain = run("pruning.target=0.8", "pruning.end_round=3")
    delta = run("pruning.target=0.8", "pruning.end_round=3", "codec.delta=true")
    assert delta["rejected_updates"] == 0
    assert delta["global_sparsity"] == pytest.approx(plain["global_sparsity"], abs=1e-3)
    assert delta["final_accuracy"] == pytest.approx(plain["final_accuracy"], abs=0.02)


def test_mask_known_downlink_sends_fewer_bytes_for_the_same_run() -> None:
    server = ["pruning.mode=server", "pruning.target=0.8", "pruning.end_round=3"]
    full = Experiment(config=build_config(overrides=[*TINY, *server, "codec.downlink=fp16"]))
    known = Experiment(
        config=build_config(overrides=[*TINY, *server, "codec.downlink=mask-known+fp16"])
    )
    a, b = full.run(), known.run()

    assert b.summary["failed_clients"] == 0
    assert b.summary["bytes_down_total"] < a.summary["bytes_down_total"]
    assert b.summary["final_accuracy"] == a.summary["final_accuracy"]
    for name, tensor in a.model.params.items():
        assert torch.equal(b.model.params[name], tensor)


@pytest.mark.parametrize("mode", ["server", "client"])
def test_a_delta_uplink_under_a_lossy_downlink_is_relative_to_what_clients_decoded(
    mode: str,
) -> None:
    # fp16 downlink: the clients start from rounded weights; their deltas are taken from those,
    # so the server must add them to the rounded weights too, or the rounding leaks in
    common = ["codec.downlink=fp16", f"pruning.mode={mode}", "pruning.target=0.5"]
    plain = Experiment(config=build_config(overrides=[*TINY, *common])).run()
    delta = Experiment(config=build_config(overrides=[*TINY, *common, "codec.delta=true"])).run()

    assert plain.model is not None and delta.model is not None
    for name, t in plain.model.params.items():
        torch.testing.assert_close(delta.model.params[name], t, rtol=0, atol=2e-6)
