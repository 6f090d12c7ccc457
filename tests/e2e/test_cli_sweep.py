"""``fedprune sweep`` end to end, in real subprocesses, at a tiny size."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

TINY = [
    *("--set", "data.dataset=digits"),
    *("--set", "data.num_clients=4"),
    *("--set", "federation.clients_per_round=4"),
    *("--set", "federation.rounds=2"),
    *("--set", "model.name=mlp"),
    *("--set", "train.epochs=1"),
    *("--set", "pruning.schedule=oneshot"),
    *("--set", "engine.threads=1"),
]


def fedprune(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fedprune", *args], capture_output=True, text=True, timeout=300
    )


def test_sweep_writes_every_point_and_marks_the_choice(tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    grid = ("--grid", "pruning.target=0.5,0.9", "--folds", "2", "--tolerance", "0.5")

    proc = fedprune("sweep", *TINY, *grid, "--out", str(out))

    assert proc.returncode == 0, proc.stderr
    report = json.loads((out / "sweep.json").read_text())
    assert (report["folds"], report["tolerance"], report["seed"]) == (2, 0.5, 0)
    points = report["points"]
    assert [p["label"] for p in points] == ["dense", "pruning.target=0.5", "pruning.target=0.9"]
    assert [p["sparsity"] for p in points] == pytest.approx([0.0, 0.5, 0.9], abs=1e-3)
    for p in points:
        assert [f["fold"] for f in p["folds"]] == [0, 1]
        assert sum(f["examples"] for f in p["folds"]) == 1438  # every training sample once
        assert 0.0 <= p["accuracy_mean"] <= 1.0
    chosen = [p for p in points if p["chosen"]]
    assert len(chosen) == 1 and chosen[0]["index"] == report["chosen"]["index"]
    best = max((p for p in points if p["within_tolerance"]), key=lambda p: p["sparsity"])
    assert chosen[0]["label"] == best["label"]
    dense = points[0]["accuracy_mean"]
    assert all(p["within_tolerance"] == (p["accuracy_mean"] >= dense - 0.5) for p in points)
    table_rows = [line for line in proc.stdout.splitlines() if "pruning.target=" in line]
    assert len(table_rows) == 2
    assert sum("★" in line for line in proc.stdout.splitlines()) == 1
    assert "± " in proc.stdout
    assert "dense" in proc.stdout


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--grid", "pruning.target"], "pruning.target"),
        (["--grid", "pruning.target=0.5,1.5"], "pruning.target"),
        ([], "grid is empty"),
    ],
)
def test_bad_grid_exits_2_with_one_line_naming_the_problem(args: list[str], named: str) -> None:
    # the other bad specs are covered in-process by tests/unit/search
    proc = fedprune("sweep", *args)

    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert named in lines[0]
    assert "Traceback" not in proc.stderr
