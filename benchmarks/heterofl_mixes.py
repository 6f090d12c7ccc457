"""HeteroFL width mixes on MNIST-10k, IID and non-IID (issue 5, benchmark b).

Rerun: ``.venv/bin/python benchmarks/heterofl_mixes.py [--quick] [--workers 2]``. Writes
``benchmarks/results/heterofl_mixes.json`` and prints a markdown table. 100 clients, 10 a round,
the default CNN and training recipe (5 local epochs of batch 10), no pruning; mixes name the
width rates present in equal shares (a = 1, b = 1/2, c = 1/4, d = 1/8, e = 1/16, HeteroFL's
levels): ``a`` is plain FedAvg of the full model, ``e`` every client at 1/16. Non-IID is the
``shards`` partition with 2 classes per client (the label-skew setting HeteroFL uses). The
Flower baseline reproducing HeteroFL reports 99.49 % IID / 98.9 % non-IID for the a-e mix on
full MNIST (60,000 training images); this is MNIST-10k (8,000), so absolute figures are
lower. Upload bytes are measured payloads.
"""

from __future__ import annotations

import argparse

from common import markdown_table, run_many, write_result

RATES = {"a": 1.0, "b": 0.5, "c": 0.25, "d": 0.125, "e": 0.0625}
MIXES = ["a", "a-e", "a-b-c-d-e", "e"]
PARTITIONS = {
    "iid": ["data.partition=iid"],
    "non-iid (2 classes)": ["data.partition=shards", "data.classes_per_client=2"],
}


def overrides(mix: str) -> list[str]:
    widths = [RATES[k] for k in mix.split("-")]
    if widths == [1.0]:
        return ["federation.strategy=fedavg"]
    return ["federation.strategy=heterofl", f"federation.widths=[{','.join(map(str, widths))}]"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="8 rounds of 1 epoch")
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    base = ["pruning.mode=none", f"federation.rounds={8 if args.quick else args.rounds}"]
    if args.quick:
        base.append("train.epochs=1")
    runs = {
        f"{mix}/{part}": [*base, *p, *overrides(mix)]
        for part, p in PARTITIONS.items()
        for mix in MIXES
    }
    out = run_many(runs, workers=args.workers)
    rows, figures = [], {}
    for name, r in out.items():
        figures[name] = {
            "final_accuracy": r["final_accuracy"],
            "best_accuracy": r["best_accuracy"],
            "bytes_up_total": r["bytes_up_total"],
            "accuracy_by_round": r["accuracy_by_round"],
            "wall_seconds": r["wall_seconds"],
        }
        mix, part = name.split("/")
        rows.append(
            [
                mix,
                part,
                f"{r['final_accuracy']:.4f}",
                f"{r['best_accuracy']:.4f}",
                f"{r['bytes_up_total'] / 1e6:.1f}",
                f"{r['wall_seconds']:.0f}",
            ]
        )
    print(markdown_table(["mix", "partition", "final acc", "best acc", "up MB", "s"], rows))
    settings = {"base": base, "mixes": MIXES, "partitions": PARTITIONS}
    print(f"wrote {write_result('heterofl_mixes', figures=figures, settings=settings)}")


if __name__ == "__main__":
    main()
