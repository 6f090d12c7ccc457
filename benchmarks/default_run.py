"""Default run vs the same run with pruning off: accuracy, sparsity and measured bytes.

Rerun: ``.venv/bin/python benchmarks/default_run.py [--quick] [--seeds 0 1 2]``.
Writes ``benchmarks/results/default_run.json`` and prints a markdown table. Both variants run in
this one process, seed by seed, alternating, so their timings share the machine's state.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import torch
from common import machine

from fedprune.config import build_config
from fedprune.experiment import Experiment

VARIANTS = {"pruned (default)": [], "pruning off": ["pruning.mode=none"]}


def run_once(overrides: list[str]) -> dict[str, Any]:
    exp = Experiment(config=build_config(overrides=overrides))
    started = time.perf_counter()
    summary = exp.run().summary
    summary["seconds_incl_setup"] = time.perf_counter() - started
    return summary


def mean_std(xs: list[float]) -> str:
    sd = statistics.stdev(xs) if len(xs) > 1 else 0.0
    return f"{statistics.mean(xs):.4f} ± {sd:.4f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 rounds, one seed")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument(
        "--threads", type=int, default=None, help="engine.threads (default: torch's default)"
    )
    args = parser.parse_args()
    seeds = [0] if args.quick else args.seeds
    extra = ["federation.rounds=10"] if args.quick else []
    if args.threads:
        extra.append(f"engine.threads={args.threads}")
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in VARIANTS}
    for seed in seeds:
        for name, overrides in VARIANTS.items():
            s = run_once([f"seed={seed}", *extra, *overrides])
            runs[name].append(s)
            print(
                f"seed {seed} {name}: acc {s['final_accuracy']:.4f} "
                f"sparsity {s['global_sparsity']:.4f} up {s['bytes_up_total']:,} B "
                f"{s['wall_seconds']:.1f} s",
                file=sys.stderr,
            )
    base_up = [r["bytes_up_total"] for r in runs["pruning off"]]
    figures = {}
    for name, rs in runs.items():
        figures[name] = {
            "final_accuracy": [r["final_accuracy"] for r in rs],
            "global_sparsity": [r["global_sparsity"] for r in rs],
            "bytes_up_total": [r["bytes_up_total"] for r in rs],
            "bytes_down_total": [r["bytes_down_total"] for r in rs],
            "upload_ratio_vs_pruning_off": [
                r["bytes_up_total"] / b for r, b in zip(rs, base_up, strict=True)
            ],
            "wall_seconds": [r["wall_seconds"] for r in rs],
        }
    result = {
        "benchmark": "default_run",
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {**machine(), "threads": args.threads or torch.get_num_threads()},
        "setup": "mnist10k (8k train / 2k test), cnn, 100 clients, 10 a round, Dirichlet 0.5; "
        "client-side global magnitude pruning to 0.8 (defaults of `fedprune run`)",
        "seeds": seeds,
        "units": {"bytes": "len(payload) of encoded messages", "seconds": "wall clock"},
        "figures": figures,
    }
    out = (
        Path(__file__).parent
        / "results"
        / ("default_run_quick.json" if args.quick else "default_run.json")
    )
    out.write_text(json.dumps(result, indent=2) + "\n")
    print("| variant | final accuracy | sparsity | upload bytes | upload / pruning off | wall s |")
    print("|---|---|---|---|---|---|")
    for name, f in figures.items():
        print(
            f"| {name} | {mean_std(f['final_accuracy'])} | {mean_std(f['global_sparsity'])} | "
            f"{statistics.mean(f['bytes_up_total']):,.0f} | "
            f"{mean_std(f['upload_ratio_vs_pruning_off'])} | "
            f"{statistics.mean(f['wall_seconds']):.1f} |"
        )
    print(f"\nwritten to {out}")


if __name__ == "__main__":
    main()
