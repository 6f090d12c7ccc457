"""engine.device: names checked, CUDA refused where there is none, and training in a copy of
the model on the device (what a GPU run does) gives the in-model federation bit for bit."""

from __future__ import annotations

import re

import pytest
import torch

from fedprune.config import ConfigError, build_config
from fedprune.device import resolve_device
from fedprune.engine.local import LocalEngine
from fedprune.experiment import Experiment

NO_CUDA = not torch.cuda.is_available()

BASE = [
    "data.dataset=digits",
    "model.name=cnn",
    "data.num_clients=6",
    "federation.clients_per_round=4",
    "federation.rounds=3",
    "train.epochs=1",
    "train.batch_size=16",
    "engine.threads=1",
    "engine.workers=1",
    "checkpoint.every=0",
]


def test_cpu_stays_and_auto_takes_cuda_only_where_there_is_one() -> None:
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device("auto").type == ("cpu" if NO_CUDA else "cuda")


@pytest.mark.skipif(not NO_CUDA, reason="this machine has CUDA")
def test_cuda_without_a_cuda_device_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match=r"engine\.device = 'cuda:1' but no CUDA device"):
        resolve_device("cuda:1")
    with pytest.raises(ValueError, match="no CUDA device"):
        Experiment(config=build_config(overrides=[*BASE, "engine.device=cuda"]))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["engine.device=tpu"], "engine.device 'tpu': allowed are"),
        (["engine.device=cuda", "engine.name=flower"], "option of engine.name = 'local'"),
        (["engine.device=auto", "train.silo_workers=2"], "data-parallel silo trains on CPU"),
    ],
)
def test_device_config_errors_name_the_problem(overrides: list[str], message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        build_config(overrides=[*BASE, *overrides])


def test_a_device_other_than_the_cpu_runs_clients_in_this_process() -> None:
    # 'auto' on a machine without CUDA is the CPU: the worker pool stays
    auto = LocalEngine.from_config(
        build_config(overrides=["engine.device=auto", "engine.workers=2"])
    )
    assert auto.workers == (2 if NO_CUDA else 1)


def run(extra: list[str], *, in_copy: bool) -> tuple[list[dict], dict[str, torch.Tensor]]:
    exp = Experiment(config=build_config(overrides=[*BASE, *extra]))
    exp.worker._train_in_copy = in_copy  # the route a CUDA device takes, here on the CPU
    result = exp.run()
    assert result.model is not None
    return result.rounds, result.model.params


KEYS = ("accuracy", "loss", "sparsity", "bytes_up", "train_loss", "macs")


@pytest.mark.parametrize(
    "extra",
    [
        # gradients averaged over training pick the client's mask
        ["pruning.mode=client", "pruning.criterion=taylor", "pruning.end_round=2"],
        # the structure shrinks at round 2: the device copy must follow it
        [
            "pruning.mode=none",
            "structured.mode=server",
            "structured.ratio=0.5",
            "structured.rounds=[2]",
        ],
        # PruneFL's importance: gradient sums brought back from the device copy
        [
            "model.name=mlp",
            "pruning.mode=server",
            "pruning.schedule=oneshot",
            "pruning.start_round=1",
            "prunefl.enabled=true",
            "prunefl.start_round=2",
            "prunefl.every=1",
        ],
    ],
    ids=["taylor-client-pruning", "structured", "prunefl"],
)
def test_training_in_a_device_copy_gives_the_same_federation(extra: list[str]) -> None:
    rows, params = run(extra, in_copy=False)
    copy_rows, copy_params = run(extra, in_copy=True)

    assert [{k: r.get(k) for k in KEYS} for r in copy_rows] == [
        {k: r.get(k) for k in KEYS} for r in rows
    ]
    assert params.keys() == copy_params.keys()
    assert all(torch.equal(copy_params[n], params[n]) for n in params)


@pytest.mark.skipif(NO_CUDA, reason="needs a CUDA device")
def test_a_federation_trains_on_cuda_and_learns() -> None:
    exp = Experiment(config=build_config(overrides=[*BASE, "engine.device=cuda"]))
    result = exp.run()

    assert exp.worker.device.type == "cuda"
    assert exp.worker._trainer is not None
    assert next(exp.worker._trainer.parameters()).is_cuda
    assert result.summary["final_accuracy"] > 0.3
