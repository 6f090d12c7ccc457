"""A run stopped after a checkpoint and resumed equals the run never stopped, round for round."""

from __future__ import annotations

import functools
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import torch

from fedprune.checkpoint import CheckpointError, load_model
from fedprune.config import build_config
from fedprune.experiment import Experiment

TINY = [
    "data.dataset=digits",
    "data.num_clients=6",
    "federation.clients_per_round=3",
    "federation.rounds=6",
    "train.epochs=1",
    "engine.threads=1",
    "checkpoint.every=2",
]
# server pruning, FedAdam moments and top-k error feedback: state in the strategy and clients
FEEDBACK = [
    "model.name=mlp",
    "pruning.mode=server",
    "pruning.end_round=5",
    "pruning.target=0.5",
    "federation.strategy=fedadam",
    "codec.delta=true",
    "codec.uplink=topk(0.1)+fp16",
    "codec.error_feedback=true",
]
# structural steps at rounds 2 and 3 with hybrid unstructured targets and server momentum
STRUCTURED = [
    "model.name=cnn",
    "pruning.mode=client",
    "pruning.end_round=5",
    "pruning.target=0.6",
    "structured.mode=server",
    "structured.ratio=0.5",
    "structured.rounds=[2,3]",
    "federation.strategy=fedavgm",
]
# client pruning with a delta uplink under error feedback, and a mask-known downlink: residuals,
# the clients' cached masks and the server's digests of what it sent each client
KNOWN_DOWNLINK = [
    "model.name=mlp",
    "pruning.mode=client",
    "pruning.end_round=3",  # masks fixed from round 3: round 5 sends values-only downlinks
    "pruning.target=0.5",
    "codec.delta=true",
    "codec.uplink=int8",
    "codec.error_feedback=true",
    "codec.downlink=mask-known+fp16",
]
CASES = {"feedback": FEEDBACK, "structured": STRUCTURED, "known-downlink": KNOWN_DOWNLINK}


class Stop(Exception):
    """Stands in for a kill after a round."""


def rows(out: Path) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in (out / "rounds.jsonl").read_text().splitlines()]
    for row in lines:
        row.pop("seconds")
    return lines


def stop_after(rnd: int) -> Any:
    def on_round(row: dict[str, Any]) -> None:
        if row["round"] == rnd:
            raise Stop

    return on_round


@functools.cache
def uninterrupted(case: str, root: Path) -> Path:
    out = root / f"full-{case}"
    Experiment(config=build_config(overrides=[*TINY, *CASES[case]])).run(out=out)
    return out


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("resume")


@pytest.mark.parametrize(
    ("case", "stop"), [("feedback", 5), ("structured", 3), ("known-downlink", 5)]
)
def test_resumed_run_equals_the_uninterrupted_one(root: Path, case: str, stop: int) -> None:
    full = uninterrupted(case, root)
    out = root / f"stopped-{case}"
    with pytest.raises(Stop):
        Experiment(config=build_config(overrides=[*TINY, *CASES[case]])).run(
            out=out, on_round=stop_after(stop)
        )
    assert len(rows(out)) == stop  # rows past the checkpoint (round stop - 1) get dropped

    Experiment(config=build_config(path=out / "config.yaml")).run(out=out, resume=True)

    assert rows(out) == rows(full)
    got, _ = load_model(out / "model.safetensors")
    want, _ = load_model(full / "model.safetensors")
    assert all(torch.equal(got.params[n], t) for n, t in want.params.items())
    assert all(torch.equal(got.masks[n], m) for n, m in want.masks.items())
    assert json.loads((out / "summary.json").read_text())["rounds"] == 6


def test_resume_without_a_checkpoint_starts_over(root: Path) -> None:
    out = root / "early"
    config = build_config(overrides=[*TINY, *FEEDBACK])
    with pytest.raises(Stop):
        Experiment(config=config).run(out=out, on_round=stop_after(1))

    Experiment(config=config).run(out=out, resume=True)

    assert rows(out) == rows(uninterrupted("feedback", root))


def test_a_finished_run_is_not_resumed(root: Path) -> None:
    full = uninterrupted("feedback", root)
    experiment = Experiment(config=build_config(path=full / "config.yaml"))

    with pytest.raises(CheckpointError, match="finished"):
        experiment.run(out=full, resume=True)


def test_checkpoints_off_and_keep(root: Path, tmp_path: Path) -> None:
    full = uninterrupted("feedback", root)
    off = tmp_path / "off"
    shutil.copy(full / "config.yaml", tmp_path / "c.yaml")

    config = build_config(path=tmp_path / "c.yaml", overrides=["checkpoint.every=0"])
    Experiment(config=config).run(out=off)

    assert sorted(p.name for p in (full / "checkpoints").iterdir()) == ["round_0004", "round_0006"]
    assert not (off / "checkpoints").exists()
    assert (off / "model.safetensors").is_file()
