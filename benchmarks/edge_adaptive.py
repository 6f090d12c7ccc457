"""Time-to-accuracy under the edge model, with and without adaptive per-client pruning
(issue 5, benchmark c).

Rerun: ``.venv/bin/python benchmarks/edge_adaptive.py [--quick] [--workers 2]``. Writes
``benchmarks/results/edge_adaptive.json`` and prints a markdown table. MNIST-10k, 100 clients
(Dirichlet alpha 0.5), 10 a round, 30 rounds of 2 local epochs, the default edge tiers (device
classes drawn from the seed; simulated seconds per round from PruneFL's time model: the
slowest sampled client's download + compute + upload, ``fedprune/edge.py``), and a 10 %
client validation split in every variant so they train on the same data:
- dense: no pruning;
- pruned 80 %: client-side global magnitude pruning to 80 % (cubic, rounds 1..10);
- + adaptive (bandwidth): slower-uplink clients prune up to 15 points more;
- + adaptive (bandwidth, feedback): and each client's extra sparsity follows what pruning cost
  its own validation accuracy.
Simulated time to reach each target accuracy is read off the rows (``sim_seconds_total``).
"""

from __future__ import annotations

import argparse

from common import markdown_table, run_many, write_result

BASE = [
    "edge.enabled=true",
    "data.val_fraction=0.1",
    "federation.rounds=30",
    "train.epochs=2",
]
PRUNED = ["pruning.mode=client", "pruning.target=0.8", "pruning.end_round=10"]
VARIANTS = {
    "dense": ["pruning.mode=none"],
    "pruned 80%": PRUNED,
    "+ adaptive (bandwidth)": [*PRUNED, "adaptive.enabled=true", "adaptive.by=[bandwidth]"],
    "+ adaptive (bandwidth, feedback)": [
        *PRUNED,
        "adaptive.enabled=true",
        "adaptive.by=[bandwidth,feedback]",
    ],
}
TARGETS = (0.85, 0.90, 0.93)


def time_to(rounds: list[dict], target: float) -> float | None:
    for row in rounds:
        if row["accuracy"] >= target:
            return row["sim_seconds_total"]
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="8 rounds of 1 epoch")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    base = [*BASE, *(["federation.rounds=8", "train.epochs=1"] if args.quick else [])]
    out = run_many(
        {k: [*base, *v, "checkpoint.every=0"] for k, v in VARIANTS.items()}, workers=args.workers
    )
    rows, figures = [], {}
    for name, r in out.items():
        rounds = r["rounds_rows"]
        times = {f"{t:.2f}": time_to(rounds, t) for t in TARGETS}
        figures[name] = {
            "final_accuracy": r["final_accuracy"],
            "sim_seconds_total": rounds[-1]["sim_seconds_total"],
            "time_to_accuracy": times,
            "bytes_up_total": r["bytes_up_total"],
        }
        rows.append(
            [
                name,
                f"{r['final_accuracy']:.4f}",
                f"{rounds[-1]['sim_seconds_total']:.0f}",
                *[("—" if v is None else f"{v:.0f}") for v in times.values()],
                f"{r['bytes_up_total'] / 1e6:.1f}",
            ]
        )
    header = ["variant", "final acc", "sim s (run)", *[f"sim s to {t}" for t in TARGETS], "up MB"]
    print(markdown_table(header, rows))
    settings = {"base": base, "variants": VARIANTS}
    print(f"wrote {write_result('edge_adaptive', figures=figures, settings=settings)}")


if __name__ == "__main__":
    main()
