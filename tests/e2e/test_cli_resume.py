"""Acceptance: a run SIGKILLed after a checkpoint and resumed ends exactly like one never killed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import torch
from safetensors.torch import load_file

# server pruning, FedAdam moments and top-k error-feedback residuals: state on both sides
CONFIG = [
    *("--set", "data.dataset=digits"),
    *("--set", "data.num_clients=6"),
    *("--set", "federation.clients_per_round=3"),
    *("--set", "federation.rounds=8"),
    *("--set", "federation.strategy=fedadam"),
    *("--set", "model.name=mlp"),
    *("--set", "train.epochs=1"),
    *("--set", "pruning.mode=server"),
    *("--set", "pruning.end_round=6"),
    *("--set", "pruning.target=0.6"),
    *("--set", "codec.delta=true"),
    *("--set", "codec.uplink=topk(0.1)+fp16"),
    *("--set", "codec.error_feedback=true"),
    *("--set", "checkpoint.every=2"),
    *("--set", "engine.threads=1"),
]
KEY = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"


def fedprune(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "fedprune", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


def rows_without_timing(out: Path) -> list[dict]:
    rows = [json.loads(line) for line in (out / "rounds.jsonl").read_text().splitlines()]
    for row in rows:
        row.pop("seconds")
    return rows


def finished_rows(out: Path) -> int:
    path = out / "rounds.jsonl"
    return path.read_text().count("\n") if path.exists() else 0


def test_sigkilled_run_resumes_to_the_identical_result(tmp_path: Path) -> None:
    full, killed = tmp_path / "full", tmp_path / "killed"
    assert fedprune("run", "-q", "--out", full, *CONFIG).returncode == 0
    proc = subprocess.Popen(
        [sys.executable, "-m", "fedprune", "run", "-q", "--out", str(killed), *CONFIG],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 240
    # kill once round 3 is written: the checkpoint after round 2 exists, round 3 must be redone
    while finished_rows(killed) < 3 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert not (killed / "summary.json").exists()
    checkpoints = sorted(p.name for p in (killed / "checkpoints").iterdir())
    assert checkpoints and checkpoints[-1] < "round_0008"
    assert finished_rows(killed) < 8

    resumed = fedprune("run", "-q", "--resume", killed)

    assert resumed.returncode == 0, resumed.stderr
    assert rows_without_timing(killed) == rows_without_timing(full)
    got, want = load_file(killed / "model.safetensors"), load_file(full / "model.safetensors")
    assert got.keys() == want.keys()
    assert all(torch.equal(got[k], want[k]) for k in want)
    summaries = [json.loads((d / "summary.json").read_text()) for d in (killed, full)]
    for summary in summaries:
        summary.pop("wall_seconds")
    assert summaries[0] == summaries[1]


def test_resume_refuses_other_options_and_a_finished_run(tmp_path: Path) -> None:
    out = tmp_path / "run"
    out.mkdir()
    (out / "config.yaml").write_text("data:\n  dataset: digits\nmodel:\n  name: mlp\n")
    (out / "summary.json").write_text("{}")

    for args, says in (
        (["--resume", out], "finished run"),
        (["--resume", out, "--set", "seed=1"], "--resume"),
    ):
        proc = fedprune("run", "-q", *args)
        assert proc.returncode == 2
        assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
        assert says in proc.stderr and "Traceback" not in proc.stderr


def test_sealed_checkpoints_need_the_key_to_resume(tmp_path: Path) -> None:
    out, env = tmp_path / "run", {"FP_KEY": KEY, "FP_OTHER": KEY[::-1]}
    short = [*CONFIG, "--set", "federation.rounds=2", "--set", "pruning.end_round=2"]
    sealed = fedprune("run", "-q", "--out", out, *short, "--encrypt-key-env", "FP_KEY", env=env)
    assert sealed.returncode == 0, sealed.stderr
    assert (out / "checkpoints" / "round_0002" / "state.json.enc").is_file()
    assert not (out / "model.safetensors").exists() and (out / "model.safetensors.enc").is_file()
    (out / "summary.json").unlink()  # as if killed after the last checkpoint

    wrong = fedprune("run", "-q", "--resume", out, "--encrypt-key-env", "FP_OTHER", env=env)
    none = fedprune("run", "-q", "--resume", out)
    right = fedprune("run", "-q", "--resume", out, "--encrypt-key-env", "FP_KEY", env=env)

    for proc, says in ((wrong, "wrong key"), (none, "encrypted")):
        assert proc.returncode == 2
        assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
        assert says in proc.stderr and "Traceback" not in proc.stderr
    assert right.returncode == 0, right.stderr
    assert (out / "summary.json").is_file()
