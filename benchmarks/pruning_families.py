"""Final accuracy of each unstructured criterion at 50/80/90/95 % sparsity, client- and
server-side, on the MNIST-10k federation (issue 3, benchmark a).

Rerun: ``.venv/bin/python benchmarks/pruning_families.py [--quick] [--workers 2]``.
Writes ``benchmarks/results/pruning_families.json`` and prints a markdown table. Shortened
federation (see SETTINGS) so 41 runs fit in about 20 minutes on 2 cores; the dense run with
the same settings is the reference. ``shrink`` trains with an L1 soft-threshold of
``pruning.shrink_l1`` and removes the exact zeros first.
"""

from __future__ import annotations

import argparse

from common import markdown_table, run_many, write_result

SETTINGS = [
    "federation.rounds=30",
    "train.epochs=2",
    "pruning.schedule=polynomial",
    "pruning.start_round=1",
    "pruning.end_round=15",
]
CRITERIA = {
    "magnitude": [],
    "random": [],
    "snip": [],
    "taylor": [],
    "shrink": ["pruning.shrink_l1=0.001"],
}
TARGETS = [0.5, 0.8, 0.9, 0.95]
SIDES = ["client", "server"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 rounds, targets 0.8 only")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    base = [*SETTINGS, "federation.rounds=5", "pruning.end_round=3"] if args.quick else SETTINGS
    targets = [0.8] if args.quick else TARGETS
    runs = {"dense": [*base, "pruning.mode=none"]}
    for side in SIDES:
        for crit, extra in CRITERIA.items():
            for t in targets:
                runs[f"{side}/{crit}/{t}"] = [
                    *base,
                    f"pruning.mode={side}",
                    f"pruning.criterion={crit}",
                    f"pruning.target={t}",
                    *extra,
                ]
    out = run_many(runs, workers=args.workers)
    dense = out["dense"]["final_accuracy"]
    rows = []
    for side in SIDES:
        for crit in CRITERIA:
            accs = [out[f"{side}/{crit}/{t}"]["final_accuracy"] for t in targets]
            rows.append([side, crit, *(f"{a:.4f}" for a in accs)])
    print(f"dense (same settings): {dense:.4f}")
    print(markdown_table(["side", "criterion", *(f"{t:.0%}" for t in targets)], rows))
    figures = {
        name: {
            k: s[k]
            for k in (
                "final_accuracy",
                "best_accuracy",
                "global_sparsity",
                "bytes_up_total",
                "bytes_down_total",
                "wall_seconds",
                "accuracy_by_round",
            )
        }
        for name, s in out.items()
    }
    path = write_result(
        "pruning_families" + ("_quick" if args.quick else ""),
        figures=figures,
        settings={"overrides": base, "targets": targets, "criteria": CRITERIA},
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
