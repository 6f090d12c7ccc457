"""Synthetic run directories for the report tests, written with the real ``RunWriter``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch

from fedprune.results import RunWriter

SHAPES = {"conv.weight": (4, 2, 3, 3), "fc.weight": (3, 40)}


def masks_at(rnd: int, rounds: int) -> dict[str, torch.Tensor]:
    """Keep-masks whose pruned fraction grows to one half by the last round."""
    gen = torch.Generator().manual_seed(rnd)
    return {n: torch.rand(s, generator=gen) >= 0.5 * rnd / rounds for n, s in SHAPES.items()}


def row(rnd: int, rounds: int, *, epsilon: float | None) -> dict[str, Any]:
    masks = masks_at(rnd, rounds)
    up = {"0": 100 * rnd, "1": 120 * rnd}
    down = {"0": 200, "1": 200}
    return {
        "round": rnd,
        "accuracy": 0.5 + 0.1 * rnd,
        "loss": 1.0 / rnd,
        "sparsity": 1 - sum(float(m.sum()) for m in masks.values()) / 156,
        "layer_sparsity": {n: 1 - float(m.float().mean()) for n, m in masks.items()},
        "client_sparsity": {"0": 0.1 * rnd, "1": 0.2 * rnd},
        "client_bytes_up": up,
        "client_bytes_down": down,
        "epsilon": epsilon * rnd if epsilon is not None else None,
        "macs": 1000,
        "bytes_up": sum(up.values()),
        "bytes_down": sum(down.values()),
        "bytes_up_total": 220 * rnd * (rnd + 1) // 2,
        "bytes_down_total": 400 * rnd,
        "clients": [0, 1],
        "seconds": 0.5,
    }


def write_run(
    path: Path, *, rounds: int = 4, epsilon: float | None = None, report_every: int = 2
) -> Path:
    """A finished run of ``rounds`` rounds in ``path``; ``epsilon`` per round when given."""
    writer = RunWriter(out=path, config={"seed": 0}, report_every=report_every)
    rows = [row(r, rounds, epsilon=epsilon) for r in range(1, rounds + 1)]
    for r in rows:
        writer.round(r)
        writer.masks(rnd=r["round"], masks=masks_at(r["round"], rounds), last=r["round"] == rounds)
    last = rows[-1]
    writer.summary(
        {
            "final_accuracy": last["accuracy"],
            "best_accuracy": max(r["accuracy"] for r in rows),
            "rounds": rounds,
            "global_sparsity": last["sparsity"],
            "layer_sparsity": last["layer_sparsity"],
            "compression_ratio": 1.5,
            "macs": 1000,
            "bytes_up_total": last["bytes_up_total"],
            "bytes_down_total": last["bytes_down_total"],
            "bytes_total": last["bytes_up_total"] + last["bytes_down_total"],
        }
    )
    return path


@pytest.fixture
def run_dir(tmp_path: Path) -> Callable[..., Path]:
    """Factory: ``run_dir(name, **write_run options)`` writes a synthetic run under tmp_path."""

    def make(name: str = "run", **options: Any) -> Path:
        return write_run(tmp_path / name, **options)

    return make


def rewrite_rows(path: Path, edit: Callable[[list[dict[str, Any]]], list[Any]]) -> None:
    """Replace the rows of ``path/rounds.jsonl`` by ``edit(rows)``."""
    file = path / "rounds.jsonl"
    rows = [json.loads(line) for line in file.read_text().splitlines()]
    file.write_text("".join(json.dumps(r) + "\n" for r in edit(rows)))
