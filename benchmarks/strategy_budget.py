"""Accuracy at fixed cumulative upload budgets: dense FedAvg and FedAvgM against six ways to
train at 80 % sparsity, on two non-IID partitions (issue 5, benchmark a).

Rerun: ``.venv/bin/python benchmarks/strategy_budget.py [--quick] [--seeds 0 1 2] [--workers 2]``.
Writes ``benchmarks/results/strategy_budget.json`` and prints a markdown table.

MNIST-10k, 100 clients, 10 a round, ``--rounds`` (40) rounds of 2 local epochs (batch 10, SGD
lr 0.1, momentum 0.5), a 10 % client validation split in every variant (the bandit needs it;
all train on the same data), partitions "2 classes per client" (shards) and Dirichlet
alpha = 0.1. The budget unit is one dense round's upload (10 clients x the dense fp32 model),
``DRU``; cells are mean ± std over the seeds (3 by default). A variant's accuracy at budget
B is the test accuracy of the last global model whose cumulative upload (``bytes_up_total``:
every encoded byte, masks and PruneFL's importance included) is at most B. Server-side
variants prune after round 1's aggregation, so their first upload is dense.
- FedAvg, FedAvgM (server momentum 0.9): dense.
- random mask: server-side random pruning to 80 % after round 1, then fixed.
- SNIP one-shot: clients prune by SNIP to 80 % in round 1, the server reconciles, then fixed.
- PruneFL: magnitude to 80 % after round 1, then PruneFL reconfigures every 10 rounds, capped
  at density 0.2 (its bounded-size mode; importance uploads are dense and counted).
- FedDST: magnitude to 80 % after round 1, masked mean, readjust every 5 rounds from round 5.
- adaptive: client-side magnitude pruning to 80 % (cubic, rounds 1..10), slower-uplink clients
  up to 15 points more (edge tiers).
- bandit: UCB picks each round's pruning step up to 80 %, rewarded by validation accuracy
  gained per upload.
"""

from __future__ import annotations

import argparse
import statistics

from common import markdown_table, run_many, write_result

PARTITIONS = {
    "2 classes/client": ["data.partition=shards", "data.classes_per_client=2"],
    "Dirichlet 0.1": ["data.partition=dirichlet", "data.alpha=0.1"],
}
BASE = [
    "data.val_fraction=0.1",
    "train.epochs=2",
    "engine.workers=1",
    "checkpoint.every=0",
]
SERVER_MAGNITUDE = [
    "pruning.mode=server",
    "pruning.schedule=oneshot",
    "pruning.start_round=1",
    "pruning.target=0.8",
]
VARIANTS = {
    "FedAvg (dense)": ["pruning.mode=none"],
    "FedAvgM (dense)": ["pruning.mode=none", "federation.strategy=fedavgm"],
    "random mask": [*SERVER_MAGNITUDE, "pruning.criterion=random"],
    "SNIP one-shot": [
        "pruning.mode=client",
        "pruning.criterion=snip",
        "pruning.schedule=oneshot",
        "pruning.start_round=1",
        "pruning.target=0.8",
    ],
    "PruneFL": [
        *SERVER_MAGNITUDE,
        "prunefl.enabled=true",
        "prunefl.start_round=2",
        "prunefl.every=10",
        "prunefl.max_density=0.2",
    ],
    "FedDST": [
        *SERVER_MAGNITUDE,
        "federation.aggregator=masked_mean",
        "dst.enabled=true",
        "dst.start_round=5",
        "dst.every=5",
    ],
    "adaptive": [
        "pruning.mode=client",
        "pruning.target=0.8",
        "pruning.end_round=10",
        "adaptive.enabled=true",
        "adaptive.by=[bandwidth]",
    ],
    "bandit": ["pruning.mode=client", "pruning.target=0.8", "bandit.enabled=true"],
}
BUDGETS = (2.0, 4.0, 8.0)  # in dense-round uploads


def accuracy_within(rows: list[dict], budget_bytes: float) -> float | None:
    """Test accuracy of the last round whose cumulative upload is within the budget."""
    within = [r["accuracy"] for r in rows if r["bytes_up_total"] <= budget_bytes]
    return within[-1] if within else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 rounds, 1 epoch, one seed")
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    rounds, seeds = (10, [0]) if args.quick else (args.rounds, args.seeds)
    base = [*BASE, f"federation.rounds={rounds}", *(["train.epochs=1"] if args.quick else [])]
    runs = {
        (part, name, seed): [*base, *p, *v, f"seed={seed}"]
        for part, p in PARTITIONS.items()
        for name, v in VARIANTS.items()
        for seed in seeds
    }
    keyed = {" | ".join(map(str, k)): v for k, v in runs.items()}
    out = run_many(keyed, workers=args.workers)
    results = {k: out[" | ".join(map(str, k))] for k in runs}

    figures: dict = {}
    rows = []
    for part in PARTITIONS:
        # one dense round's upload, measured: FedAvg's first round of each seed
        dru = statistics.mean(
            results[(part, "FedAvg (dense)", s)]["rounds_rows"][0]["bytes_up_total"] for s in seeds
        )
        figures[part] = {"dense_round_upload_bytes": dru, "variants": {}}
        for name in VARIANTS:
            per_seed = [results[(part, name, s)] for s in seeds]
            at = {
                f"{b:g}": [accuracy_within(r["rounds_rows"], b * dru) for r in per_seed]
                for b in BUDGETS
            }
            spent = [r["bytes_up_total"] / dru for r in per_seed]
            final = [r["final_accuracy"] for r in per_seed]
            figures[part]["variants"][name] = {
                "accuracy_at_budget_dru": at,
                "final_accuracy": final,
                "final_sparsity": [r["global_sparsity"] for r in per_seed],
                "upload_total_dru": spent,
                "accuracy_by_round": [r["accuracy_by_round"] for r in per_seed],
            }

            def cell(values: list[float | None]) -> str:
                known = [v for v in values if v is not None]
                if len(known) < len(values):
                    return "—"
                if len(known) == 1:
                    return f"{known[0]:.3f}"
                return f"{statistics.mean(known):.3f} ± {statistics.stdev(known):.3f}"

            rows.append(
                [
                    part,
                    name,
                    *[cell(at[f"{b:g}"]) for b in BUDGETS],
                    cell(final),
                    f"{statistics.mean(spent):.1f}",
                    f"{statistics.mean(r['global_sparsity'] for r in per_seed):.2f}",
                ]
            )
    header = [
        "partition",
        "variant",
        *[f"acc at {b:g} DRU" for b in BUDGETS],
        f"acc after {rounds} rounds",
        "upload (DRU)",
        "sparsity",
    ]
    print(markdown_table(header, rows))
    settings = {
        "base": base,
        "partitions": PARTITIONS,
        "variants": VARIANTS,
        "budgets_dru": BUDGETS,
        "seeds": seeds,
        "rounds": rounds,
    }
    print(f"wrote {write_result('strategy_budget', figures=figures, settings=settings)}")


if __name__ == "__main__":
    main()
