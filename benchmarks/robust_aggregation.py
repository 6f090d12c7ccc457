"""Robust aggregation under attack: final accuracy of the plain mean and of each robust rule,
with 20 % of the clients malicious, on the MNIST-10k federation (issue 6).

Rerun: ``.venv/bin/python benchmarks/robust_aggregation.py [--quick] [--workers 2]``.
Writes ``benchmarks/results/robust_aggregation.json`` and prints a markdown table (rows: attack,
columns: aggregator). The embedded default (100 clients, 10 a round, Dirichlet 0.5, CNN,
client-side pruning to 80 %) shortened to 15 rounds of 1 local epoch, so that the 40 runs should
take about 15 minutes on 2 cores (an estimate from ``--quick``: 40 two-round runs took 4.5 min on
one worker of a loaded machine). The attackers are the same 20 clients (drawn from the seed) for
every attack.
- model and data poisoning (sign flip x4, model replacement x10, Gaussian noise, label flip,
  backdoor) against every rule: mean, median, trimmed mean (β = 0.2), Krum and Multi-Krum
  (f = 2 of 10 a round), norm bounding (2.0: honest updates measured at 0.7 to 2.4 in rounds
  1-4 with 2 epochs);
- malformed updates (NaN, wrong shape, forged mask, revived entries) under the mean only: the
  server's checks refuse them whatever the rule, so the row shows the cost of losing 20 %.
The backdoor row also reports the final round's backdoor success on triggered test images.
"""

from __future__ import annotations

import argparse

from common import markdown_table, run_many, write_result

SETTINGS = ["federation.rounds=15", "train.epochs=1"]
QUICK = ["federation.rounds=2", "train.epochs=1"]
ATTACKERS = ["attack.fraction=0.2"]
RULES = {
    "mean": [],
    "median": ["federation.aggregator=median"],
    "trimmed_mean": ["federation.aggregator=trimmed_mean", "federation.trim=0.2"],
    "krum": ["federation.aggregator=krum", "federation.byzantine=2"],
    "multi_krum": ["federation.aggregator=multi_krum", "federation.byzantine=2"],
    "norm_bound": ["federation.aggregator=norm_bound", "federation.norm_bound=2.0"],
}
POISONING = {
    "clean": [],
    "sign_flip": ["attack.kind=sign_flip", "attack.scale=4", *ATTACKERS],
    "scale": ["attack.kind=scale", "attack.scale=10", *ATTACKERS],
    "gaussian": ["attack.kind=gaussian", "attack.std=1.0", *ATTACKERS],
    "label_flip": ["attack.kind=label_flip", *ATTACKERS],
    "backdoor": ["attack.kind=backdoor", *ATTACKERS],
}
MALFORMED = {
    kind: [f"attack.kind={kind}", *ATTACKERS]
    for kind in ("nan", "wrong_shape", "forged_mask", "revive")
}


def variants() -> dict[str, list[str]]:
    """Every (attack, rule) run, named ``attack/rule``."""
    runs = {
        f"{a}/{r}": [*attack, *rule] for a, attack in POISONING.items() for r, rule in RULES.items()
    }
    runs |= {f"{a}/mean": attack for a, attack in MALFORMED.items()}
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 rounds: checks that it runs")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    base = [*(QUICK if args.quick else SETTINGS), f"seed={args.seed}"]
    runs = {name: [*base, *overrides] for name, overrides in variants().items()}
    out = run_many(runs, workers=args.workers)
    figures = {
        name: {
            "final_accuracy": s["final_accuracy"],
            "accuracy_by_round": s["accuracy_by_round"],
            "rejected_updates": s["rejected_updates"],
            "backdoor_success": s["final_round"].get("backdoor_success"),
            "wall_seconds": s["wall_seconds"],
        }
        for name, s in out.items()
    }
    rows = []
    for attack in [*POISONING, *MALFORMED]:
        cells = [
            f"{figures[f'{attack}/{r}']['final_accuracy']:.4f}"
            if f"{attack}/{r}" in figures
            else ""
            for r in RULES
        ]
        if attack == "backdoor":
            cells = [
                f"{c} (bd {figures[f'backdoor/{r}']['backdoor_success']:.2f})"
                for c, r in zip(cells, RULES, strict=True)
            ]
        rejected = figures[f"{attack}/mean"]["rejected_updates"]
        rows.append([attack, *cells, rejected])
    print(markdown_table(["attack", *RULES, "rejected (mean)"], rows))
    path = write_result(
        "robust_aggregation" + ("_quick" if args.quick else ""),
        figures=figures,
        settings={
            "overrides": base,
            "rules": RULES,
            "poisoning": POISONING,
            "malformed": MALFORMED,
        },
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
