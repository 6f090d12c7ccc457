"""Seconds a round and peak memory of one federation: fedprune's local engine vs a plain
sequential PyTorch loop vs Flower's simulation engine, in one invocation.

Rerun: ``.venv/bin/python benchmarks/sim_speed.py [--quick] [--rounds 6] [--repeats 2]``.
Writes ``benchmarks/results/sim_speed.json`` and prints a markdown table.

Workload (``sim_workload.py``): MNIST-10k (8,000 train / 2,000 test), the FedAvg CNN
(conv32-conv64-fc512, ``cnn_fedavg``), 100 clients on a Dirichlet(0.5) partition, all 100
trained every round, 1 local epoch, batch 32, plain SGD (lr 0.05), FedAvg, dense fp32 both
ways, the global model evaluated on the test split after every round. Variants, each in its own
process (run in turn, the order rotated between repeats):

- ``fedprune``: the default local engine (one worker process per core, 1 thread each,
  channels-last convolutions);
- ``fedprune_pruned``: the same with client-side magnitude pruning to 80 % (a pruned federation);
- ``fedprune_contiguous``: the default engine with ``engine.memory_format=contiguous``;
- ``fedprune_in_process``: ``engine.workers=1``, contiguous, every core's threads in one process;
- ``plain_loop``: a sequential PyTorch loop (``sim_workload.train_client``), every core's threads;
- ``flower_simulation``: Flower 1.42's ``run_simulation`` (Ray backend, 1 CPU and 1 thread per
  client actor, the same ``train_client``), Flower's own FedAvg and central evaluation.

Seconds a round are the median over rounds 2.. (round 1 holds start-up: forks, Ray, actors);
peak memory is the peak of the summed PSS (shared pages split between the processes that map
them) of the variant's whole process tree, sampled every 0.2 s. Training FLOP count 2 per MAC
and backward as twice forward, over every example each round; GEMM GFLOP/s is a 2048x2048
fp32 matmul measured here first, with 1 thread and with every core.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from common import markdown_table, write_result  # noqa: E402

CORES = len(os.sched_getaffinity(0))
VARIANTS: dict[str, list[str] | None] = {
    "fedprune": [],
    "fedprune_pruned": [
        "pruning.mode=client",
        "pruning.target=0.8",
        "pruning.schedule=oneshot",
        "pruning.start_round=1",
    ],
    "fedprune_contiguous": ["engine.memory_format=contiguous"],
    "fedprune_in_process": [
        "engine.workers=1",
        f"engine.threads={CORES}",
        "engine.memory_format=contiguous",
    ],
    "plain_loop": None,
    "flower_simulation": None,
}


# --- children: one variant each ----------------------------------------------------------


def run_fedprune(extra: list[str], rounds: int) -> dict[str, Any]:
    import sim_workload

    from fedprune.config import build_config
    from fedprune.experiment import Experiment

    config = build_config(overrides=[*sim_workload.fedprune_overrides(rounds=rounds), *extra])
    result = Experiment(config=config).run()
    return {
        "seconds": [r["seconds"] for r in result.rounds],
        "accuracy": [r["accuracy"] for r in result.rounds],
        "bytes_up": [r["bytes_up"] for r in result.rounds],
    }


def run_plain(rounds: int) -> dict[str, Any]:
    import sim_workload as w
    import torch

    torch.set_num_threads(CORES)
    exp = w.workload()
    model = w.new_model()
    seconds, accuracy = [], []
    for rnd in range(1, rounds + 1):
        t0 = time.perf_counter()
        start = {k: v.clone() for k, v in model.state_dict().items()}
        total = {k: torch.zeros_like(v) for k, v in start.items()}
        seen = 0
        for cid in range(len(exp.client_data)):
            model.load_state_dict(start)
            n = w.train_client(model, rnd=rnd, cid=cid)
            for k, v in model.state_dict().items():
                total[k].add_(v, alpha=n)
            seen += n
        model.load_state_dict({k: v / seen for k, v in total.items()})
        accuracy.append(w.evaluate(model))
        seconds.append(time.perf_counter() - t0)
    return {"seconds": seconds, "accuracy": accuracy}


def run_flower(rounds: int) -> dict[str, Any]:
    import sim_workload as w
    from flwr.app import ArrayRecord, Context, MetricRecord
    from flwr.serverapp import Grid, ServerApp
    from flwr.serverapp.strategy import FedAvg
    from flwr.simulation import run_simulation

    marks: list[float] = []
    accuracy: list[float] = []
    server_app = ServerApp()

    @server_app.main()
    def main(grid: Grid, context: Context) -> None:
        model = w.new_model()

        def central(rnd: int, arrays: ArrayRecord) -> MetricRecord:
            if rnd > 0:
                model.load_state_dict(arrays.to_torch_state_dict())
                accuracy.append(w.evaluate(model))
            marks.append(time.perf_counter())
            return MetricRecord({"accuracy": accuracy[-1] if accuracy else 0.0})

        strategy = FedAvg(
            fraction_train=1.0,
            fraction_evaluate=0.0,
            min_train_nodes=w.CLIENTS,
            min_available_nodes=w.CLIENTS,
        )
        strategy.start(
            grid=grid,
            initial_arrays=ArrayRecord(model.state_dict()),
            num_rounds=rounds,
            evaluate_fn=central,
        )

    started = time.perf_counter()
    run_simulation(
        server_app=server_app,
        client_app=w.client_app,
        num_supernodes=w.CLIENTS,
        backend_config={
            "client_resources": {"num_cpus": 1, "num_gpus": 0.0},
            "init_args": {"include_dashboard": False},
        },
    )
    # round 1 counts from the start of the simulation (Ray and its actors), like fedprune's
    edges = [started, *marks[1:]]
    return {"seconds": [b - a for a, b in itertools.pairwise(edges)], "accuracy": accuracy}


def child(name: str, rounds: int, out: Path) -> None:
    extra = VARIANTS[name]
    if extra is not None:
        result = run_fedprune(extra, rounds)
    elif name == "plain_loop":
        result = run_plain(rounds)
    else:
        result = run_flower(rounds)
    out.write_text(json.dumps(result))


# --- the parent: GEMM rate, memory sampling, the table -----------------------------------


def gemm_gflops(threads: int, n: int = 2048, reps: int = 10) -> float:
    import torch

    torch.set_num_threads(threads)
    a, b = torch.randn(n, n), torch.randn(n, n)
    for _ in range(3):
        a @ b
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - t0)
    return 2 * n**3 / statistics.median(times) / 1e9


def tree_pss(root: int) -> int:
    """Summed PSS in bytes of ``root`` and every descendant (Linux /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                parents[int(entry.name)] = int(fields[1])
            except (OSError, IndexError, ValueError):
                continue
    tree, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        kids = [p for p, pp in parents.items() if pp == pid and p not in tree]
        tree.update(kids)
        frontier += kids
    total = 0
    for pid in tree:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) * 1024
                    break
        except OSError:
            continue
    return total


def run_sampled(cmd: list[str], *, what: str) -> list[tuple[float, int]]:
    """Run ``cmd`` (this folder on its ``PYTHONPATH``) and sample its tree's PSS every 0.2 s:
    ``(time.time(), bytes)`` pairs; ``RuntimeError`` with its stderr if it fails."""
    path = os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])
    env = os.environ | {"PYTHONPATH": path}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    samples: list[tuple[float, int]] = []
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            samples.append((time.time(), tree_pss(proc.pid)))
            done.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise RuntimeError(f"{what} failed:\n{err.decode()[-3000:]}")
    return samples


def measure(name: str, rounds: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="simspeed") as tmp:
        out = Path(tmp) / "result.json"
        cmd = [
            sys.executable,
            __file__,
            "--child",
            name,
            "--rounds",
            str(rounds),
            "--out",
            str(out),
        ]
        samples = run_sampled(cmd, what=name)
        result = json.loads(out.read_text())
    peak = max(pss for _, pss in samples)
    result["peak_pss_bytes"] = peak
    return result


def train_flop_per_round() -> float:
    import sim_workload as w
    import torch

    from fedprune.profile import count_macs

    exp = w.workload()
    macs = count_macs(model=w.new_model(), example_input=torch.zeros(1, 1, 28, 28))
    examples = sum(int(d.x.shape[0]) for d in exp.client_data) * w.SPEED.epochs
    return 2.0 * macs * 3 * examples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 rounds, 1 repeat")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--variants", nargs="*", default=list(VARIANTS))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.rounds, args.out)
        return
    rounds, repeats = (3, 1) if args.quick else (args.rounds, args.repeats)
    gemm = {"1_thread": gemm_gflops(1), f"{CORES}_threads": gemm_gflops(CORES)}
    flop = train_flop_per_round()
    names = list(args.variants)
    runs: dict[str, list[dict[str, Any]]] = {n: [] for n in names}
    for rep in range(repeats):
        order = names[rep % len(names) :] + names[: rep % len(names)]
        for name in order:
            runs[name].append(measure(name, rounds))
            print(f"repeat {rep}: {name} done", file=sys.stderr)
    figures: dict[str, Any] = {"gemm_gflops": gemm, "train_gflop_per_round": flop / 1e9}
    for name, got in runs.items():
        later = [statistics.median(r["seconds"][1:]) for r in got]
        s = statistics.median(later)
        figures[name] = {
            "s_per_round": s,
            "s_per_round_each_repeat": later,
            "round1_s": statistics.median(r["seconds"][0] for r in got),
            "peak_pss_gib": max(r["peak_pss_bytes"] for r in got) / 2**30,
            "final_accuracy": got[0]["accuracy"][-1],
            "achieved_gflops": flop / s / 1e9,
            "share_of_gemm": flop / s / 1e9 / gemm[f"{CORES}_threads"],
            "runs": got,
        }
    ratios: dict[str, Any] = {}
    if "flower_simulation" in figures:
        fl = figures["flower_simulation"]
        for name in names:
            ratios[f"flower_s_per_round / {name}"] = (
                fl["s_per_round"] / figures[name]["s_per_round"]
            )
            ratios[f"{name} peak / flower peak"] = (
                figures[name]["peak_pss_gib"] / fl["peak_pss_gib"]
            )
    if "plain_loop" in figures:
        for name in names:
            ratios[f"plain_loop_s_per_round / {name}"] = (
                figures["plain_loop"]["s_per_round"] / figures[name]["s_per_round"]
            )
        if "fedprune_in_process" in figures:  # same kernels and threads: the rest is overhead
            extra = (
                figures["fedprune_in_process"]["s_per_round"] - figures["plain_loop"]["s_per_round"]
            )
            ratios["fedprune_overhead_ms_per_client (in process vs plain loop)"] = extra / 100 * 1e3
    figures["ratios"] = ratios
    write_result(
        "sim_speed",
        figures=figures,
        settings={"rounds": rounds, "repeats": repeats, "cores": CORES, "variants": VARIANTS},
    )
    rows = [
        [
            name,
            f"{figures[name]['s_per_round']:.2f}",
            f"{figures[name]['round1_s']:.1f}",
            f"{figures[name]['peak_pss_gib']:.2f}",
            f"{figures[name]['achieved_gflops']:.0f}",
            f"{figures[name]['share_of_gemm']:.2f}",
            f"{figures[name]['final_accuracy']:.4f}",
        ]
        for name in names
    ]
    print(
        markdown_table(
            [
                "variant",
                "s/round (median)",
                "round 1 s",
                "peak PSS GiB",
                "GFLOP/s",
                "share of GEMM",
                "accuracy",
            ],
            rows,
        )
    )
    print(f"\nGEMM GFLOP/s: {gemm}; training GFLOP a round: {flop / 1e9:.0f}")
    for key, value in ratios.items():
        print(f"{key}: {value:.3f}")


if __name__ == "__main__":
    main()
