"""Federated dense vs pruned on the text and speech tasks, beside their central baselines
(issue 9).

Rerun: ``.venv/bin/python benchmarks/task_federated.py --task text|speech [--quick]
[--workers 2]``. Writes ``benchmarks/results/task_federated_<task>.json`` and prints a markdown
table. Each variant is one seed of the task preset (``task=text`` / ``task=speech``, see
docs/catalogue.md) with:
- dense: no pruning;
- unstructured 80 % / 90 %: client-side global magnitude pruning (cubic schedule, the preset's
  rounds 1..15), masks aggregated by FedAvg;
- text only, heads: the server removes half the attention heads and feed-forward neurons
  (L1 over each unit's weights, global scope) in 3 steps, so every client trains the smaller
  Transformer; plus the same with 80 % unstructured pruning on top (hybrid).
Bytes are the measured payloads, uplink and both directions. The central baselines come from
``benchmarks/results/{text,speech}_central.json`` (run ``benchmarks/text_central.py`` /
``speech_central.py``) and are shown for reference, not rerun here.
"""

from __future__ import annotations

import argparse
import json

from common import RESULTS, markdown_table, run_many, write_result

PRUNED = ["pruning.mode=client", "pruning.end_round=15"]
VARIANTS: dict[str, dict[str, list[str]]] = {
    "text": {
        "dense": ["pruning.mode=none"],
        "unstructured 80%": [*PRUNED, "pruning.target=0.8"],
        "unstructured 90%": [*PRUNED, "pruning.target=0.9"],
        "heads+neurons 50%": [
            "pruning.mode=none",
            "structured.mode=server",
            "structured.ratio=0.5",
            "structured.rounds=[3,6,9]",
        ],
        "heads 50% + unstructured 80%": [
            *PRUNED,
            "pruning.target=0.8",
            "structured.mode=server",
            "structured.ratio=0.5",
            "structured.rounds=[3,6,9]",
        ],
        "bag of embeddings, dense": ["pruning.mode=none", "model.name=text_bow", "train.lr=0.5"],
        "bag of embeddings, 90%": [
            *PRUNED,
            "pruning.target=0.9",
            "model.name=text_bow",
            "train.lr=0.5",
        ],
    },
    "speech": {
        "dense": ["pruning.mode=none"],
        "unstructured 80%": [*PRUNED, "pruning.target=0.8"],
        "unstructured 90%": [*PRUNED, "pruning.target=0.9"],
        "channels 50%": [
            "pruning.mode=none",
            "structured.mode=server",
            "structured.ratio=0.5",
            "structured.rounds=[3,6,9]",
        ],
    },
}


def central(task: str) -> dict:
    path = RESULTS / f"{task}_central.json"
    return json.loads(path.read_text())["figures"] if path.is_file() else {}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", choices=sorted(VARIANTS), required=True)
    parser.add_argument("--quick", action="store_true", help="6 rounds, a smoke test")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", nargs="*", help="run only these variants")
    parser.add_argument("--set", nargs="*", default=[], help="extra overrides for every run")
    args = parser.parse_args()
    variants = {k: v for k, v in VARIANTS[args.task].items() if not args.only or k in args.only}
    base = [f"task={args.task}", *(["federation.rounds=6"] if args.quick else []), *args.set]
    out = run_many({k: [*base, *v] for k, v in variants.items()}, workers=args.workers)
    rows, figures = [], {}
    for name in variants:
        r = out[name]
        figures[name] = {
            "final_accuracy": r["final_accuracy"],
            "best_accuracy": r["best_accuracy"],
            "accuracy_by_round": r["accuracy_by_round"],
            "global_sparsity": r["global_sparsity"],
            "remaining_parameters": r["parameters"]["remaining"],
            "parameter_compression_vs_dense": r["parameter_compression_vs_dense"],
            "macs_ratio": r["macs_ratio"],
            "bytes_up_total": r["bytes_up_total"],
            "bytes_total": r["bytes_total"],
            "wall_seconds": r["wall_seconds"],
        }
        rows.append(
            [
                name,
                f"{r['final_accuracy']:.4f}",
                f"{r['global_sparsity']:.3f}",
                f"{r['parameters']['remaining']:,}",
                f"{r['macs_ratio']:.3f}",
                f"{r['bytes_up_total'] / 1e6:.1f}",
                f"{r['bytes_total'] / 1e6:.1f}",
                f"{r['wall_seconds']:.0f}",
            ]
        )
    header = ["variant", "accuracy", "sparsity", "non-zero params", "MACs ratio"]
    print(markdown_table([*header, "up MB", "up+down MB", "s"], rows))
    print(f"central baselines (recorded): {json.dumps(central(args.task))}")
    settings = {"task": args.task, "base": base, "variants": variants, "workers": args.workers}
    path = write_result(f"task_federated_{args.task}", figures=figures, settings=settings)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
