"""Accuracy vs cumulative bytes on MNIST-10k for codec pipelines and pruning (issue 4, (c)).

Rerun: ``.venv/bin/python benchmarks/codec_federation.py [--quick] [--only NAME ...]``.
MNIST-10k, 100 clients, Dirichlet alpha = 0.3, 10 clients a round, the default local training.
Bytes are ``len(payload)`` of every encoded message; beside them, the bytes the same uploads
would be charged by the formulas of FedDST (mask bits + 32 bits per non-zero) and FLSim's COO
(64 bits per non-zero) and bitmask (mask bits + 32 bits per non-zero), labelled as formulas.
Writes ``benchmarks/results/codec_federation.json`` and prints a markdown table.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from common import machine

from fedprune.codec import decode
from fedprune.config import build_config
from fedprune.engine.local import LocalEngine
from fedprune.experiment import Experiment
from fedprune.messages import ClientJob, ClientReply

COMMON = ["data.alpha=0.3", "engine.threads=1"]  # 1 thread: runs side by side without OMP spin
VARIANTS: dict[str, list[str]] = {
    "dense fp32": ["pruning.mode=none"],
    "fp16": ["pruning.mode=none", "codec.uplink=fp16", "codec.downlink=fp16"],
    "int8": ["pruning.mode=none", "codec.uplink=int8+zstd", "codec.downlink=int8+zstd"],
    "top-k 10% + EF (int8)": [
        "pruning.mode=none",
        "codec.uplink=topk(0.1)+int8+zstd",
        "codec.delta=true",
        "codec.error_feedback=true",
        "codec.downlink=fp16+zstd",
    ],
    "STC (top-k 2% ternary + EF)": [
        "pruning.mode=none",
        "codec.uplink=topk(0.02)+ternary+zstd",
        "codec.delta=true",
        "codec.error_feedback=true",
        "codec.downlink=fp16+zstd",
    ],
    "90% pruning + int8 + zstd": [
        "pruning.target=0.9",
        "codec.uplink=int8+zstd",
        "codec.downlink=int8+zstd",
    ],
}
THRESHOLDS = (0.90, 0.93, 0.95, 0.96, 0.97)


class FormulaEngine(LocalEngine):
    """Local engine that also charges each upload by the papers' formulas (bits -> bytes)."""

    def __init__(self) -> None:
        super().__init__()
        self.formula: dict[int, dict[str, float]] = {}

    def stream(self, *, jobs: Sequence[ClientJob], work: Any) -> Iterator[ClientReply]:
        for reply in super().stream(jobs=jobs, work=work):
            if reply.error is None:
                self.charge(rnd=jobs[0].rnd, payload=reply.payload)
            yield reply

    def charge(self, *, rnd: int, payload: bytes) -> None:
        decoded = decode(payload)
        total = sum(t.numel() for t in decoded.tensors.values())
        nnz = sum(
            int(decoded.masks[n].sum()) if n in decoded.masks else t.numel()
            for n, t in decoded.tensors.items()
        )
        row = self.formula.setdefault(rnd, {"feddst": 0.0, "coo": 0.0, "bitmask": 0.0})
        row["feddst"] += (total + 32 * nnz) / 8
        row["coo"] += 64 * nnz / 8
        row["bitmask"] += (total + 32 * nnz) / 8


def run_variant(overrides: list[str]) -> dict[str, Any]:
    exp = Experiment(config=build_config(overrides=[*COMMON, *overrides]))
    engine = FormulaEngine()
    exp.engine = engine
    started = time.perf_counter()
    result = exp.run()
    cum_up = cum_down = 0
    curve = []
    feddst = 0.0
    for row in result.rounds:
        cum_up, cum_down = row["bytes_up_total"], row["bytes_down_total"]
        feddst += engine.formula.get(row["round"], {}).get("feddst", 0.0)
        curve.append(
            {
                "round": row["round"],
                "accuracy": row["accuracy"],
                "bytes_total": cum_up + cum_down,
                "bytes_up": cum_up,
            }
        )
    formula_up = {
        k: sum(r[k] for r in engine.formula.values()) for k in ("feddst", "coo", "bitmask")
    }
    return {
        "final_accuracy": result.summary["final_accuracy"],
        "best_accuracy": result.summary["best_accuracy"],
        "global_sparsity": result.summary["global_sparsity"],
        "bytes_up_total": cum_up,
        "bytes_down_total": cum_down,
        "formula_bytes_up": formula_up,
        "curve": curve,
        "wall_seconds": time.perf_counter() - started,
    }


def bytes_to(curve: list[dict[str, Any]], acc: float) -> int | None:
    return next((p["bytes_total"] for p in curve if p["accuracy"] >= acc), None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 rounds")
    parser.add_argument("--only", nargs="+", choices=list(VARIANTS), default=list(VARIANTS))
    args = parser.parse_args()
    extra = ["federation.rounds=10"] if args.quick else []
    out = (
        Path(__file__).parent
        / "results"
        / ("codec_federation_quick.json" if args.quick else "codec_federation.json")
    )
    figures: dict[str, Any] = {}
    if out.exists():  # variants run separately accumulate in one file
        figures = json.loads(out.read_text()).get("figures", {})
    for name in args.only:
        figures[name] = run_variant([*VARIANTS[name], *extra])
        f = figures[name]
        both = f["bytes_up_total"] + f["bytes_down_total"]
        print(
            f"{name}: acc {f['final_accuracy']:.4f} up+down {both:,} B {f['wall_seconds']:.0f} s",
            file=sys.stderr,
        )
        result = {
            "benchmark": "codec_federation",
            "command": " ".join([Path(sys.executable).name, *sys.argv]),
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "machine": {**machine(), "threads": 1},
            "setup": "mnist10k, cnn, 100 clients, Dirichlet 0.3, 10 a round, default training; "
            "bytes = len(payload); formula_bytes_up = what the formulas would charge the uploads",
            "figures": figures,
        }
        out.write_text(json.dumps(result, indent=2) + "\n")
    dense = figures.get("dense fp32")
    print(
        "| variant | final acc | best acc | up+down MB | "
        + " | ".join(f"bytes to {t:.0%} (x dense)" for t in THRESHOLDS)
        + " | FedDST-formula up MB | measured up MB |"
    )
    print("|---" * (6 + len(THRESHOLDS)) + "|")
    for name, f in figures.items():
        cells = []
        for t in THRESHOLDS:
            b = bytes_to(f["curve"], t)
            d = bytes_to(dense["curve"], t) if dense else None
            cells.append(
                "—" if b is None else (f"{b / 1e6:.1f} MB" + (f" ({b / d:.3f})" if d else ""))
            )
        print(
            f"| {name} | {f['final_accuracy']:.4f} | {f['best_accuracy']:.4f} | "
            f"{(f['bytes_up_total'] + f['bytes_down_total']) / 1e6:.1f} | "
            + " | ".join(cells)
            + f" | {f['formula_bytes_up']['feddst'] / 1e6:.1f} | {f['bytes_up_total'] / 1e6:.1f} |"
        )
    print(f"\nwritten to {out}")


if __name__ == "__main__":
    main()
