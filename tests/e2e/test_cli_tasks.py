"""Each task preset runs end to end from the command line, on a small slice of its data."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

WORDNET = Path("/usr/share/wordnet/data.noun")
needs_wordnet = pytest.mark.skipif(
    not WORDNET.is_file(), reason="needs Debian wordnet-base (make test installs it)"
)
SMALL = [
    "data.num_clients=6",
    "federation.clients_per_round=3",
    "federation.rounds=2",
    "engine.threads=1",
    "checkpoint.every=0",
]


def fedprune(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fedprune", *args], capture_output=True, text=True, timeout=600
    )


def run(out: Path, *overrides: str) -> dict:
    sets = [a for o in [*SMALL, *overrides] for a in ("--set", o)]
    proc = fedprune("run", "--quiet", "--out", str(out), *sets)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads((out / "summary.json").read_text())


@needs_wordnet
def test_text_task_prunes_heads_and_refuses_a_pruned_source(tmp_path: Path) -> None:
    text = ["task=text", "data.options.limit=1500", "pruning.target=0.5", "pruning.end_round=2"]
    heads = ["structured.mode=server", "structured.ratio=0.5", "structured.rounds=[2]"]

    first = run(tmp_path / "first", *text, *heads)
    config = (tmp_path / "first" / "config.yaml").read_text()
    profile = fedprune("profile", str(tmp_path / "first"))
    source = f"model.init_from={tmp_path / 'first' / 'model.safetensors'}"
    again = fedprune("run", "--quiet", "--set", "task=text", "--set", source)

    assert "dataset: wordnet" in config and "name: text_transformer" in config
    assert first["macs_ratio"] < 0.75  # half the heads and neurons gone, attention included
    assert 0.45 < first["global_sparsity"] < 0.55
    assert profile.returncode == 0, profile.stderr[-2000:]
    # the source lost heads; a dense model cannot start from it, and says so
    assert again.returncode == 2
    assert "do not fit this model beyond its output layer" in again.stderr


@needs_wordnet
def test_transfer_starts_from_the_source_weights(tmp_path: Path) -> None:
    text = ["task=text", "data.options.limit=1500", "pruning.mode=none", "model.name=text_bow"]
    source = run(tmp_path / "source", *text, "federation.rounds=3")
    init = f"model.init_from={tmp_path / 'source' / 'model.safetensors'}"

    tuned = run(tmp_path / "tuned", *text, init, "federation.rounds=1")
    scratch = run(tmp_path / "scratch", *text, "federation.rounds=1")

    assert tuned["init_fresh"] == [] and scratch["init_fresh"] is None
    assert tuned["final_accuracy"] > scratch["final_accuracy"]
    assert tuned["final_accuracy"] >= source["final_accuracy"] - 0.05


@pytest.mark.skipif(
    shutil.which("espeak-ng") is None or shutil.which("flite") is None,
    reason="needs Debian espeak-ng and flite (make test installs them)",
)
def test_speech_task_runs_on_a_few_speakers(tmp_path: Path) -> None:
    summary = run(
        tmp_path / "speech",
        "task=speech",
        "data.options.speakers=12",
        f"data.root={tmp_path / 'cache'}",
        "pruning.target=0.5",
        "pruning.end_round=2",
    )

    assert summary["rounds"] == 2
    assert 0.45 < summary["global_sparsity"] < 0.55
