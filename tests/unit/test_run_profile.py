"""`fedprune profile`: counted MACs and parameters and timed latency of a run's final model."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from fedprune.cli import app
from fedprune.config import build_config
from fedprune.experiment import Experiment
from fedprune.profile import count_macs
from fedprune.run_profile import profile_run

TINY = [
    "data.dataset=digits",
    "model.name=cnn",
    "data.num_clients=4",
    "federation.clients_per_round=2",
    "federation.rounds=2",
    "train.epochs=1",
    "engine.threads=1",
    "pruning.target=0.5",
    "pruning.end_round=2",
]


def test_profile_of_a_structurally_pruned_run(tmp_path: Path) -> None:
    dense_dir, small_dir = tmp_path / "dense", tmp_path / "small"
    dense = Experiment(config=build_config(overrides=TINY))
    dense.run(out=dense_dir)
    small = Experiment(
        config=build_config(
            overrides=[
                *TINY,
                "structured.mode=server",
                "structured.ratio=0.5",
                "structured.rounds=[1]",
            ]
        )
    )
    small.run(out=small_dir)

    a = profile_run(run_dir=dense_dir, batch_sizes=(1, 8), repeats=2)
    b = profile_run(run_dir=small_dir, batch_sizes=(1, 8), repeats=2)

    assert a["macs_per_sample"] == count_macs(model=dense.model, example_input=dense.example_input)
    assert b["macs_per_sample"] < 0.6 * a["macs_per_sample"]
    assert b["parameters"] < a["parameters"]
    # unstructured pruning to 50 % of the prunable weights: about half the parameters are zero
    assert a["parameters_nonzero"] < 0.6 * a["parameters"]
    assert set(a["latency_seconds"]) == {"1", "8"} and all(
        t > 0 for t in a["latency_seconds"].values()
    )

    result = CliRunner().invoke(app, ["profile", str(small_dir), "--batch", "1", "--repeats", "2"])
    assert result.exit_code == 0, result.output
    assert "MACs / sample" in result.output
    written = json.loads((small_dir / "profile.json").read_text())
    assert written["macs_per_sample"] == b["macs_per_sample"]


def test_profile_of_a_run_without_a_model_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["profile", str(tmp_path)])
    assert result.exit_code == 2
    assert "model" in result.output
