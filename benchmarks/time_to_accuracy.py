"""Wall-clock time to test accuracies: fedprune's structured pruning vs dense FedAvg on
fedprune's engine vs dense FedAvg on Flower's simulation engine, in one invocation.

Rerun: ``.venv/bin/python benchmarks/time_to_accuracy.py [--quick] [--seeds 0 1 2]`` (the recorded
run: 3 seeds, ~35 min on 2 cores).
Writes ``benchmarks/results/time_to_accuracy.json`` and prints a markdown table.

Workload (``sim_workload.py``, ``TTA`` below): MNIST-10k (8,000 train / 2,000 test), the FedAvg
CNN (``cnn_fedavg``), 100 clients on Dirichlet(0.5), 20 sampled a round, 5 local epochs of
batch-10 SGD (lr 0.05, times 0.99 each round; momentum 0.9), FedAvg, dense fp32 both ways,
the global model evaluated on the 2,000 test images after every round. Variants, each in its
own process, one after another:

- ``fedprune_dense``: the default local engine (a worker process per core);
- ``fedprune_structured@B``: the same with server-side structured pruning (L1 channel scores
  of the aggregate, global scope) to the fraction ``B`` of the dense MACs (0.25 and 0.5), in
  two steps at rounds 3 and 6: every client then trains, and sends, the physically smaller
  model;
- ``flower_dense``: Flower 1.42's ``run_simulation`` (Ray, 1 CPU and 1 thread per client actor),
  Flower's own FedAvg sampling 20 of the 100 nodes, the same training function
  (``sim_workload.train_client``) and central evaluation.

Each run stops at the first round whose accuracy reaches the highest of ``--targets`` (or at
``--max-rounds``). Time to a target counts from the start of the run (round 1 holds start-up:
forks, Ray and its actors) to the end of the first round whose evaluation reaches it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from common import markdown_table, write_result  # noqa: E402
from sim_workload import CLIENTS, Recipe  # noqa: E402

# Momentum 0.9, not 0.5: with 0.5 the 97 % sat at the edge of what the CNN reaches
# (seed 0: dense at round 38, structured to 25 % of the MACs not in 40 rounds, best 0.968);
# with 0.9 dense reached it at round 28 and structured to 25 % at round 38.
TTA = Recipe(epochs=5, batch=10, lr=0.05, lr_decay=0.99, momentum=0.9)
PER_ROUND = 20
VARIANTS = (
    "fedprune_dense",
    "fedprune_structured@0.25",
    "fedprune_structured@0.5",
    "flower_dense",
)


class Reached(Exception):
    """Raised from a round callback to end a run at the target (not an error)."""


def run_fedprune(extra: list[str], *, target: float, max_rounds: int, seed: int) -> dict[str, Any]:
    import sim_workload as w

    from fedprune.config import build_config
    from fedprune.experiment import Experiment

    overrides = w.fedprune_overrides(
        rounds=max_rounds, recipe=TTA, clients_per_round=PER_ROUND, seed=seed
    )
    exp = Experiment(config=build_config(overrides=[*overrides, *extra]))
    rows: list[dict[str, Any]] = []
    marks: list[float] = []

    def on_round(row: dict[str, Any]) -> None:
        marks.append(time.perf_counter())
        rows.append(row)
        if row["accuracy"] >= target:
            raise Reached

    started = time.perf_counter()
    with contextlib.suppress(Reached):
        exp.run(on_round=on_round)
    return {
        "elapsed": [m - started for m in marks],
        "accuracy": [r["accuracy"] for r in rows],
        "macs": [r.get("macs") for r in rows],
        "bytes_up": [r["bytes_up"] for r in rows],
        "bytes_down": [r["bytes_down"] for r in rows],
    }


def run_flower(*, target: float, max_rounds: int, seed: int) -> dict[str, Any]:
    import sim_workload as w
    from flwr.app import ArrayRecord, ConfigRecord, Context, MetricRecord
    from flwr.serverapp import Grid, ServerApp
    from flwr.serverapp.strategy import FedAvg
    from flwr.simulation import run_simulation

    marks: list[float] = []
    accuracy: list[float] = []
    server_app = ServerApp()

    @server_app.main()
    def main(grid: Grid, context: Context) -> None:
        model = w.new_model(seed)

        def central(rnd: int, arrays: ArrayRecord) -> MetricRecord:
            if rnd > 0:
                model.load_state_dict(arrays.to_torch_state_dict())
                accuracy.append(w.evaluate(model, seed))
                marks.append(time.perf_counter())
                if accuracy[-1] >= target:
                    raise Reached
            return MetricRecord({"accuracy": accuracy[-1] if accuracy else 0.0})

        strategy = FedAvg(
            fraction_train=PER_ROUND / CLIENTS,
            fraction_evaluate=0.0,
            min_train_nodes=PER_ROUND,
            min_available_nodes=CLIENTS,
        )
        strategy.start(
            grid=grid,
            initial_arrays=ArrayRecord(model.state_dict()),
            num_rounds=max_rounds,
            train_config=ConfigRecord({**TTA.to_config(), "seed": seed}),
            evaluate_fn=central,
        )

    started = time.perf_counter()
    try:
        run_simulation(
            server_app=server_app,
            client_app=w.client_app,
            num_supernodes=CLIENTS,
            backend_config={
                "client_resources": {"num_cpus": 1, "num_gpus": 0.0},
                "init_args": {"include_dashboard": False},
            },
        )
    except Exception:  # Flower re-raises what ended its ServerApp: ours, or a real failure
        if not (accuracy and accuracy[-1] >= target):
            raise
    return {"elapsed": [m - started for m in marks], "accuracy": accuracy}


def child(name: str, *, target: float, max_rounds: int, seed: int, out: Path) -> None:
    if name == "flower_dense":
        result = run_flower(target=target, max_rounds=max_rounds, seed=seed)
    else:
        extra = [] if name == "fedprune_dense" else structured(float(name.split("@")[1]))
        result = run_fedprune(extra, target=target, max_rounds=max_rounds, seed=seed)
    out.write_text(json.dumps(result))


def structured(budget: float) -> list[str]:
    return [
        "structured.mode=server",
        f"structured.flops_budget={budget}",
        "structured.rounds=[3,6]",
    ]


def measure(name: str, *, target: float, max_rounds: int, seed: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="tta") as tmp:
        out = Path(tmp) / "result.json"
        cmd = [sys.executable, __file__, "--child", name, "--out", str(out)]
        cmd += ["--targets", str(target), "--max-rounds", str(max_rounds), "--seed", str(seed)]
        path = os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])
        env = os.environ | {"PYTHONPATH": path}
        done = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if done.returncode != 0:
            raise RuntimeError(f"{name} failed:\n{done.stderr.decode()[-3000:]}")
        return json.loads(out.read_text())


def first_reach(result: dict[str, Any], target: float) -> dict[str, float | int | None]:
    for i, acc in enumerate(result["accuracy"]):
        if acc >= target:
            return {"round": i + 1, "seconds": result["elapsed"][i]}
    return {"round": None, "seconds": None}


def spread(values: list[float]) -> str:
    if not values:
        return "—"
    if len(values) == 1:
        return f"{values[0]:.0f}"
    return f"{statistics.mean(values):.0f} ± {statistics.stdev(values):.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="7 rounds, targets 0.5/0.6, seed 0")
    parser.add_argument("--targets", type=float, nargs="+", default=[0.95, 0.96, 0.97])
    parser.add_argument("--max-rounds", type=int, default=60)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--variants", nargs="*", default=list(VARIANTS))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quick:
        args.targets, args.max_rounds, args.seeds = [0.5, 0.6], 7, [0]
    targets = sorted(args.targets)
    common = {"target": targets[-1], "max_rounds": args.max_rounds}
    if args.child:
        child(args.child, out=args.out, seed=args.seed, **common)
        return
    runs: dict[str, dict[int, dict[str, Any]]] = {n: {} for n in args.variants}
    for seed in args.seeds:
        for name in args.variants:
            got = measure(name, seed=seed, **common)
            n = len(got["accuracy"])
            runs[name][seed] = {
                "to_target": {str(t): first_reach(got, t) for t in targets},
                "s_per_round_after_first": (got["elapsed"][-1] - got["elapsed"][0]) / max(n - 1, 1),
                "round1_s": got["elapsed"][0],
                "best_accuracy": max(got["accuracy"]),
                "rounds_run": n,
                "run": got,
            }
            print(f"seed {seed} {name}: {runs[name][seed]['to_target']}", file=sys.stderr)
    figures: dict[str, Any] = {}
    for name, by_seed in runs.items():
        summary: dict[str, Any] = {}
        for t in targets:
            reached = [r["to_target"][str(t)] for r in by_seed.values()]
            secs = [r["seconds"] for r in reached if r["seconds"] is not None]
            summary[str(t)] = {
                "seeds_reached": len(secs),
                "seconds": secs,
                "mean_s": statistics.mean(secs) if len(secs) == len(reached) else None,
                "rounds": [r["round"] for r in reached],
            }
        figures[name] = {
            "to_target": summary,
            "s_per_round_after_first": statistics.median(
                r["s_per_round_after_first"] for r in by_seed.values()
            ),
            "best_accuracy": [r["best_accuracy"] for r in by_seed.values()],
            "seeds": {str(k): v for k, v in by_seed.items()},
        }
    ratios: dict[str, float] = {}
    for base in ("flower_dense", "fedprune_dense"):
        for name in args.variants:
            if name == base or base not in figures:
                continue
            for t in targets:
                b = figures[base]["to_target"][str(t)]["mean_s"]
                v = figures[name]["to_target"][str(t)]["mean_s"]
                if b and v:  # every seed of both reached it
                    ratios[f"{base} / {name}, time to {t}"] = b / v
    figures["ratios"] = ratios
    write_result(
        "time_to_accuracy",
        figures=figures,
        settings={
            "targets": targets,
            "max_rounds": args.max_rounds,
            "seeds": args.seeds,
            "recipe": TTA.to_config(),
            "clients_per_round": PER_ROUND,
            "variants": {n: structured(float(n.split("@")[1])) for n in args.variants if "@" in n},
        },
    )

    def cell(name: str, t: float) -> str:
        got = figures[name]["to_target"][str(t)]
        seeds = len(args.seeds)
        note = "" if got["seeds_reached"] == seeds else f" ({got['seeds_reached']}/{seeds} seeds)"
        return spread(got["seconds"]) + note

    rows = [
        [
            name,
            *[cell(name, t) for t in targets],
            f"{figures[name]['s_per_round_after_first']:.2f}",
            f"{max(figures[name]['best_accuracy']):.4f}",
        ]
        for name in args.variants
    ]
    header = ["variant", *[f"s to {t}" for t in targets], "s/round", "best acc"]
    print(markdown_table(header, rows))
    for key, value in ratios.items():
        print(f"{key}: {value:.2f}")


if __name__ == "__main__":
    main()
