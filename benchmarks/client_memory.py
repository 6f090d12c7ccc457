"""Peak memory of 1,000 stateful clients: client memory in RAM vs spilled to disk.

Rerun: ``.venv/bin/python benchmarks/client_memory.py [--quick]``. Writes
``benchmarks/results/client_memory.json`` and prints a markdown table.

Workload: MNIST-10k, the FedAvg CNN (``cnn_fedavg``, 1.66M weights), 1,000 IID clients (8
images each), 200 sampled a round for 10 rounds (so ~890 clients come to hold memory), client
magnitude pruning to 80 %, an ``int8`` delta uplink with error feedback (a 6.6 MB fp32 residual
a client) and a ``mask-known`` downlink (each client caches the global masks, bit-packed), on
the default local engine (a worker process per core). Variants, each in its own process:
``ram`` (residuals in memory) and ``spilled`` (``engine.spill_dir``: one safetensors file a
client). Memory is the summed PSS of the process tree (``sim_speed.tree_pss``), sampled every
0.2 s, while the rounds run and, separately, with the end of the run, where the pool hands its
clients' memory back to the server process; "above the data set" subtracts the tree's PSS once
the experiment is built, before round 1 (Python, torch, the data set, the model).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from common import markdown_table, write_result  # noqa: E402
from sim_speed import run_sampled  # noqa: E402


def overrides(*, rounds: int, per_round: int) -> list[str]:
    return [
        "seed=0",
        "data.dataset=mnist10k",
        "data.partition=iid",
        "data.num_clients=1000",
        f"federation.clients_per_round={per_round}",
        f"federation.rounds={rounds}",
        "model.name=cnn_fedavg",
        "train.epochs=1",
        "train.batch_size=8",
        "pruning.mode=client",
        "pruning.target=0.8",
        "pruning.schedule=oneshot",
        "pruning.start_round=1",
        "codec.uplink=int8",
        "codec.delta=true",
        "codec.error_feedback=true",
        "codec.downlink=mask-known+fp32",
    ]


def child(variant: str, rounds: int, per_round: int, out: Path, spill: Path) -> None:
    from fedprune.config import build_config
    from fedprune.experiment import Experiment

    extra = [f"engine.spill_dir={spill}"] if variant == "spilled" else []
    exp = Experiment(
        config=build_config(overrides=[*overrides(rounds=rounds, per_round=per_round), *extra])
    )
    built = time.time()
    out.with_suffix(".built").write_text(str(built))  # the parent reads the baseline now
    time.sleep(1.0)
    ends: list[float] = []
    result = exp.run(on_round=lambda row: ends.append(time.time()))
    worker = exp.worker  # the workers' memory moved here when the pool closed
    out.write_text(
        json.dumps(
            {
                "round_ends": ends,
                "clients_with_memory": len(worker.client_ids()),
                "clients_with_residuals": len(worker.feedback),
                "seconds": [r["seconds"] for r in result.rounds],
                "final_accuracy": result.rounds[-1]["accuracy"],
                "sparsity": result.rounds[-1]["sparsity"],
            }
        )
    )


def measure(variant: str, rounds: int, per_round: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="clientmem") as tmp:
        out, spill = Path(tmp) / "result.json", Path(tmp) / "spill"
        cmd = [sys.executable, __file__, "--child", variant, "--rounds", str(rounds),
               "--per-round", str(per_round), "--out", str(out), "--spill", str(spill)]  # fmt: skip
        samples = run_sampled(cmd, what=variant)
        result = json.loads(out.read_text())
        built = float(out.with_suffix(".built").read_text())
        spill_bytes = sum(p.stat().st_size for p in spill.glob("*")) if spill.exists() else 0
    before = [pss for t, pss in samples if built <= t <= built + 1.0] or [samples[0][1]]
    baseline = statistics.median(before)
    last = result["round_ends"][-1]
    peak = max(pss for t, pss in samples if t <= last)  # while the rounds ran
    at_end = max(pss for _, pss in samples)  # with the final gather of the workers' memory
    return result | {
        "baseline_pss_gib": baseline / 2**30,
        "peak_pss_gib": peak / 2**30,
        "peak_above_baseline_gib": (peak - baseline) / 2**30,
        "peak_with_final_gather_gib": at_end / 2**30,
        "spill_file_bytes": spill_bytes,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 rounds of 100 clients")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--per-round", type=int, default=200)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--spill", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.rounds, args.per_round, args.out, args.spill)
        return
    rounds, per_round = (3, 100) if args.quick else (args.rounds, args.per_round)
    figures = {v: measure(v, rounds, per_round) for v in ("ram", "spilled")}
    figures["spilled_peak_above_baseline / ram"] = (
        figures["spilled"]["peak_above_baseline_gib"] / figures["ram"]["peak_above_baseline_gib"]
    )
    write_result(
        "client_memory",
        figures=figures,
        settings={
            "overrides": overrides(rounds=rounds, per_round=per_round),
            "cores": os.cpu_count(),
        },
    )
    print(
        markdown_table(
            ["variant", "clients holding memory", "baseline PSS GiB", "peak PSS GiB (rounds)",
             "peak above baseline GiB", "peak with final gather GiB", "s/round (median)",
             "spill files MB"],
            [
                [v, f["clients_with_memory"], f"{f['baseline_pss_gib']:.2f}",
                 f"{f['peak_pss_gib']:.2f}", f"{f['peak_above_baseline_gib']:.2f}",
                 f"{f['peak_with_final_gather_gib']:.2f}", f"{statistics.median(f['seconds']):.1f}",
                 f"{f['spill_file_bytes'] / 1e6:.0f}"]
                for v, f in figures.items() if isinstance(f, dict)
            ],
        )
    )  # fmt: skip


if __name__ == "__main__":
    main()
