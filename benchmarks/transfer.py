"""Federated transfer learning: pretrain centrally on Fashion-MNIST, prune and fine-tune
federatedly on MNIST-10k, against training from scratch at equal bytes (issue 9, item 5).

Rerun: ``.venv/bin/python benchmarks/transfer.py [--quick] [--seeds 0 1] [--workers 2]``.
Writes ``benchmarks/results/transfer.json`` and prints a markdown table.

1. Source: the ``cnn`` trained on all 60,000 Fashion-MNIST training images by one "client"
   (``data.num_clients=1``: central SGD through the same code), ``--source-epochs`` epochs; the
   run's ``model.safetensors`` is the pretrained model.
2. Target: MNIST-10k over 100 clients (Dirichlet alpha 0.5), 10 a round, client-side magnitude
   pruning to 80 % (cubic, rounds 1..10) and, as a second pair, dense. ``model.init_from``
   starts from the source model (every layer but the 10-way output layer, which has the same
   shape here and is copied too); the scratch runs start from the seed's initialisation.
Both arms of a pair send the same payloads a round (same model, masks and codec), so accuracy
after round r is accuracy at equal cumulative bytes; the table shows it at a few byte budgets.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from common import markdown_table, run_many, write_result

TARGET = [
    "data.dataset=mnist10k",
    "data.num_clients=100",
    "federation.rounds=20",
    "train.epochs=1",
]
ARMS = {
    "pruned 80%": ["pruning.mode=client", "pruning.target=0.8", "pruning.end_round=10"],
    "dense": ["pruning.mode=none"],
}
REPORT_ROUNDS = (1, 2, 3, 5, 10, 20)


def pretrain(out: Path, *, epochs: int) -> Path:
    import torch

    from fedprune.config import build_config
    from fedprune.experiment import Experiment

    torch.set_num_threads(1)
    cfg = build_config(
        overrides=[
            "task=fashion",
            "data.num_clients=1",
            "data.partition=iid",
            "federation.clients_per_round=1",
            f"federation.rounds={epochs}",
            "train.epochs=1",
            "train.batch_size=32",
            "train.lr=0.05",
            "train.momentum=0.9",
            "pruning.mode=none",
            "engine.threads=1",
        ]
    )
    result = Experiment(config=cfg).run(out=out)
    print(f"source (Fashion-MNIST) accuracy {result.summary['final_accuracy']:.4f}", flush=True)
    return out / "model.safetensors"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 source epoch, 5 rounds, 1 seed")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--source-epochs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    seeds = [0] if args.quick else args.seeds
    rounds = 5 if args.quick else 20
    with tempfile.TemporaryDirectory() as tmp:
        source = pretrain(Path(tmp) / "source", epochs=1 if args.quick else args.source_epochs)
        runs = {
            f"{arm}/{start}/{seed}": [
                *TARGET,
                f"federation.rounds={rounds}",
                f"seed={seed}",
                *overrides,
                *([f"model.init_from={source}"] if start == "pretrained" else []),
            ]
            for arm, overrides in ARMS.items()
            for start in ("scratch", "pretrained")
            for seed in seeds
        }
        out = run_many(runs, workers=args.workers)
    rows, figures = [], {}
    shown = [r for r in REPORT_ROUNDS if r <= rounds]
    for arm in ARMS:
        for start in ("scratch", "pretrained"):
            rs = [out[f"{arm}/{start}/{s}"] for s in seeds]
            by_round = [
                statistics.mean(acc)
                for acc in zip(*(r["accuracy_by_round"] for r in rs), strict=True)
            ]
            per_round_bytes = rs[0]["bytes_total"] / rounds
            figures[f"{arm}/{start}"] = {
                "accuracy_by_round_mean": by_round,
                "final_accuracy": [r["final_accuracy"] for r in rs],
                "bytes_total": [r["bytes_total"] for r in rs],
                "global_sparsity": [r["global_sparsity"] for r in rs],
            }
            rows.append(
                [arm, start]
                + [f"{by_round[r - 1]:.4f}" for r in shown]
                + [f"{per_round_bytes * rounds / 1e6:.1f}"]
            )
    header = ["arm", "start", *[f"round {r}" for r in shown], "MB up+down (run)"]
    print(markdown_table(header, rows))
    settings = {"target": TARGET, "arms": ARMS, "seeds": seeds, "rounds": rounds}
    print(f"wrote {write_result('transfer', figures=figures, settings=settings)}")


if __name__ == "__main__":
    main()
