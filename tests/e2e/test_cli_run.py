"""The command line end to end, in real subprocesses."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

TINY = [
    "--set",
    "data.dataset=digits",
    "--set",
    "data.num_clients=8",
    "--set",
    "federation.clients_per_round=4",
    "--set",
    "federation.rounds=4",
    "--set",
    "model.name=mlp",
    "--set",
    "train.epochs=1",
    "--set",
    "pruning.end_round=3",
    "--set",
    "pruning.target=0.5",
    "--set",
    "engine.threads=1",
]
ROUND_KEYS = {
    "round",
    "accuracy",
    "loss",
    "sparsity",
    "bytes_up",
    "bytes_down",
    "bytes_up_total",
    "bytes_down_total",
    "clients",
    "seconds",
}


def fedprune(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fedprune", *args], capture_output=True, text=True, timeout=300
    )


def rounds_without_timing(path: Path) -> list[dict]:
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    for row in rows:
        row.pop("seconds")
    return rows


@pytest.mark.parametrize("args", [["--help"], ["run", "--help"]])
def test_help_is_clean(args: list[str]) -> None:
    proc = fedprune(*args)
    assert proc.returncode == 0
    assert "Usage" in proc.stdout
    assert proc.stderr == ""


@pytest.mark.parametrize(
    ("override", "named"),
    [
        ("pruning.bogus=1", "pruning.bogus"),
        ("federation.rounds=many", "federation.rounds"),
        ("pruning.target=1.5", "pruning.target"),
        ("pruning.mode=sideways", "pruning.mode"),
        ("data.dataset=imagenet", "data.dataset"),
    ],
)
def test_bad_config_exits_2_with_one_line_naming_the_key(override: str, named: str) -> None:
    proc = fedprune("run", "--set", override)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert named in lines[0]
    assert "Traceback" not in proc.stderr


def test_missing_config_file_exits_2(tmp_path: Path) -> None:
    proc = fedprune("run", "--config", str(tmp_path / "nope.toml"))
    assert proc.returncode == 2
    assert "nope.toml" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_run_writes_config_rounds_and_summary(tmp_path: Path) -> None:
    out = tmp_path / "run"
    proc = fedprune("run", "--quiet", "--out", str(out), *TINY)
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in (out / "rounds.jsonl").read_text().splitlines()]
    assert [r["round"] for r in rows] == [1, 2, 3, 4]
    assert all(set(r) >= ROUND_KEYS for r in rows)
    assert rows[-1]["bytes_up_total"] == sum(r["bytes_up"] for r in rows)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["final_accuracy"] == rows[-1]["accuracy"]
    assert summary["global_sparsity"] == pytest.approx(0.5, abs=1e-3)
    assert summary["bytes_up_total"] == rows[-1]["bytes_up_total"]
    assert summary["compression_ratio"] > 1.5
    assert (out / "config.yaml").is_file()


def test_same_seed_same_rounds_and_resolved_config_reproduces(tmp_path: Path) -> None:
    first, second, third = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    assert fedprune("run", "-q", "--out", str(first), *TINY).returncode == 0
    assert fedprune("run", "-q", "--out", str(second), *TINY).returncode == 0
    proc = fedprune("run", "-q", "--config", str(first / "config.yaml"), "--out", str(third))
    assert proc.returncode == 0, proc.stderr

    reference = rounds_without_timing(first / "rounds.jsonl")
    assert rounds_without_timing(second / "rounds.jsonl") == reference
    assert rounds_without_timing(third / "rounds.jsonl") == reference


def test_different_seed_gives_a_different_run(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    assert fedprune("run", "-q", "--out", str(a), *TINY).returncode == 0
    assert fedprune("run", "-q", "--out", str(b), *TINY, "--set", "seed=1").returncode == 0
    assert rounds_without_timing(a / "rounds.jsonl") != rounds_without_timing(b / "rounds.jsonl")
