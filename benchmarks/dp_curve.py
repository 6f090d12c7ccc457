"""Accuracy vs epsilon of central DP-FedAvg (sigma in {0.5, 1, 2}) on the MNIST-10k federation,
with server-side pruning to 80 % (the shared-mask safe mode), against the same run without DP.

Rerun: ``.venv/bin/python benchmarks/dp_curve.py [--quick] [--workers 2]``.
Writes ``benchmarks/results/dp_curve.json`` and prints a markdown table. 100 clients, 10 a
round (sample rate 0.1), 30 rounds of 2 local epochs, clip C = 1.0 (honest CNN updates measured
at 0.7-2.4), Opacus RDP accounting at delta = 1e-5; also one adaptive-clipping run at sigma 1.
"""

from __future__ import annotations

import argparse

from common import markdown_table, run_many, write_result

SETTINGS = ["federation.rounds=30", "train.epochs=2", "pruning.mode=server"]
DP = ["privacy.mode=central", "privacy.clip=1.0"]
VARIANTS = {
    "no DP": [],
    "sigma 0.5": [*DP, "privacy.noise_multiplier=0.5"],
    "sigma 1": [*DP, "privacy.noise_multiplier=1.0"],
    "sigma 2": [*DP, "privacy.noise_multiplier=2.0"],
    "sigma 1, adaptive clip": [*DP, "privacy.noise_multiplier=1.0", "privacy.adaptive_clip=true"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 rounds of 1 epoch")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    base = [*SETTINGS, "federation.rounds=3", "train.epochs=1"] if args.quick else SETTINGS
    out = run_many({n: [*base, *o] for n, o in VARIANTS.items()}, workers=args.workers)
    rows = []
    for name, s in out.items():
        eps = s["epsilon"]
        rows.append(
            [
                name,
                f"{s['final_accuracy']:.4f}",
                f"{s['best_accuracy']:.4f}",
                "-" if eps is None else f"{eps:.2f}",
                f"{s['global_sparsity']:.3f}",
            ]
        )
    print(
        markdown_table(["variant", "final accuracy", "best", "epsilon (δ=1e-5)", "sparsity"], rows)
    )
    figures = {
        n: {
            k: s[k]
            for k in ("final_accuracy", "best_accuracy", "epsilon", "delta", "accuracy_by_round")
        }
        for n, s in out.items()
    }
    path = write_result(
        "dp_curve" + ("_quick" if args.quick else ""),
        figures=figures,
        settings={"overrides": base, "variants": VARIANTS},
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
