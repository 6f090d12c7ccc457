"""Hybrid vs pure structured vs pure unstructured pruning at (about) equal parameter count
on the MNIST-10k federation (issue 3, benchmark c).

Rerun: ``.venv/bin/python benchmarks/hybrid_budget.py [--quick] [--seeds 0 1 2] [--workers 2]``.
Writes ``benchmarks/results/hybrid_budget.json`` and prints a markdown table. Every variant
keeps about 20 % of the dense model's weights, all decided on the server:
- unstructured: magnitude to 80 % sparsity (cubic schedule to round 15);
- structured: L1 channel pruning to a 20 % parameter budget, in 5 steps (rounds 3..15);
- hybrid: channels to a 50 % parameter budget (rounds 3, 6, 9), then magnitude to 80 % of the
  dense model's prunable weights.
The measured remaining (non-zero) parameters and MACs are printed beside the accuracy.
"""

from __future__ import annotations

import argparse
import statistics

from common import markdown_table, run_many, write_result

SETTINGS = ["federation.rounds=30", "train.epochs=2"]
VARIANTS = {
    "dense": ["pruning.mode=none"],
    "unstructured": ["pruning.mode=server", "pruning.target=0.8", "pruning.end_round=15"],
    "structured": [
        "pruning.mode=none",
        "structured.mode=server",
        "structured.params_budget=0.2",
        "structured.rounds=[3,6,9,12,15]",
    ],
    "hybrid": [
        "pruning.mode=server",
        "pruning.target=0.8",
        "pruning.end_round=15",
        "structured.mode=server",
        "structured.params_budget=0.5",
        "structured.rounds=[3,6,9]",
    ],
}


def mean_std(xs: list[float], fmt: str = ".4f") -> str:
    sd = statistics.stdev(xs) if len(xs) > 1 else 0.0
    return f"{statistics.mean(xs):{fmt}} ± {sd:{fmt}}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="16 rounds, one seed")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    seeds = [0] if args.quick else args.seeds
    base = ["federation.rounds=16", "train.epochs=1"] if args.quick else SETTINGS
    runs = {
        f"{name}/{seed}": [*base, f"seed={seed}", *overrides]
        for seed in seeds
        for name, overrides in VARIANTS.items()
    }
    out = run_many(runs, workers=args.workers)
    rows, figures = [], {}
    for name in VARIANTS:
        rs = [out[f"{name}/{s}"] for s in seeds]
        figures[name] = {
            "final_accuracy": [r["final_accuracy"] for r in rs],
            "remaining_parameters": [r["parameters"]["remaining"] for r in rs],
            "parameter_compression_vs_dense": [r["parameter_compression_vs_dense"] for r in rs],
            "macs_ratio": [r["macs_ratio"] for r in rs],
            "bytes_up_total": [r["bytes_up_total"] for r in rs],
            "wall_seconds": [r["wall_seconds"] for r in rs],
        }
        f = figures[name]
        rows.append(
            [
                name,
                mean_std(f["final_accuracy"]),
                f"{statistics.mean(f['remaining_parameters']):,.0f}",
                f"{statistics.mean(f['macs_ratio']):.3f}",
                f"{statistics.mean(f['bytes_up_total']) / 1e6:.1f}",
            ]
        )
    print(
        markdown_table(
            ["variant", "final accuracy", "non-zero params", "MACs / dense", "uplink MB"], rows
        )
    )
    path = write_result(
        "hybrid_budget" + ("_quick" if args.quick else ""),
        figures=figures,
        settings={"overrides": base, "seeds": seeds, "variants": VARIANTS},
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
