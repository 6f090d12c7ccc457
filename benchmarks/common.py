"""Shared by the benchmarks: machine description, result writing, markdown tables."""

from __future__ import annotations

import json
import os
import platform
import sys
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine() -> dict[str, Any]:
    versions = {}
    for package in ("torch", "numpy", "zstandard", "constriction", "fedprune"):
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            versions[package] = None
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": versions,
    }


def write_result(name: str, *, figures: dict[str, Any], settings: dict[str, Any]) -> Path:
    """Write ``benchmarks/results/NAME.json`` with machine, command, date and figures."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    record = {
        "benchmark": name,
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(),
        "settings": settings,
        "figures": figures,
    }
    path.write_text(json.dumps(record, indent=2) + "\n")
    return path


def markdown_table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _run_one(overrides: list[str]) -> dict[str, Any]:
    import torch

    from fedprune.config import build_config
    from fedprune.experiment import Experiment

    torch.set_num_threads(1)
    result = Experiment(config=build_config(overrides=[*overrides, "engine.threads=1"])).run()
    return result.summary | {
        "accuracy_by_round": [r["accuracy"] for r in result.rounds],
        "final_round": result.rounds[-1],
        "rounds_rows": [
            {k: r.get(k) for k in ("round", "accuracy", "sim_seconds_total", "bytes_up_total")}
            for r in result.rounds
        ],
    }


def run_many(runs: dict[str, list[str]], *, workers: int) -> dict[str, dict[str, Any]]:
    """Run each named override list as one experiment, ``workers`` processes x 1 thread.

    One thread a process: with several busy processes on few cores, torch's own threads slow
    down by an order of magnitude, so runs in parallel use one each.
    """
    from concurrent.futures import ProcessPoolExecutor

    out: dict[str, dict[str, Any]] = {}
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = {name: pool.submit(_run_one, o) for name, o in runs.items()}
        for name, fut in futures.items():
            out[name] = fut.result()
            s = out[name]
            print(
                f"{name}: acc {s['final_accuracy']:.4f} sparsity {s['global_sparsity']:.4f} "
                f"macs {s['macs_ratio']:.3f} up {s['bytes_up_total']:,} B "
                f"{s['wall_seconds']:.0f} s",
                file=sys.stderr,
                flush=True,
            )
    return out


def randomly_pruned(*, name: str, sparsity: float, generator: Any) -> tuple[Any, dict[str, Any]]:
    """A model for MNIST-shaped input (torch seed 0) with every weight tensor of 2+ dims
    pruned at random to ``sparsity`` (masks drawn from ``generator``): ``(model, masks)``."""
    import torch

    from fedprune.models import build_model
    from fedprune.prune.mask import apply_masks

    torch.manual_seed(0)
    model = build_model(name=name, input_shape=(1, 28, 28), num_classes=10)
    params = dict(model.named_parameters())
    masks = {
        n: torch.rand(p.shape, generator=generator) >= sparsity
        for n, p in params.items()
        if p.dim() > 1
    }
    with torch.no_grad():
        apply_masks(params, masks)
    return model, masks
