"""CPU inference latency of a dense CNN against the same CNN structurally pruned to 1/4 of its
MACs, at batch 1 and 256, on one thread.

Rerun: ``.venv/bin/python benchmarks/structured_latency.py [--quick]``. Writes
``benchmarks/results/structured_latency.json`` and prints a markdown table.

Models: the registry's ``cnn`` on 1x28x28 (3.0 M MACs a sample) and a wider CNN
(64/128 channels, 512 hidden) on 3x32x32. Each is pruned with ``plan_to_budget(flops_ratio=
0.25)`` on group-L1 scores (global scope), which removes whole channels through
Torch-Pruning's dependency graph. Dense and pruned run in alternation, several rounds of
``measure_latency`` each, so both see the same machine state; figures are medians over rounds.
Goal of the issue: >= 3x faster at 4x fewer MACs.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import copy  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import torch  # noqa: E402
from common import markdown_table, write_result  # noqa: E402
from torch import nn  # noqa: E402

from fedprune.models import build_model  # noqa: E402
from fedprune.models.cnn import CNN  # noqa: E402
from fedprune.profile import count_macs, count_params, measure_latency  # noqa: E402
from fedprune.prune.structured import (  # noqa: E402
    apply_plan,
    channel_groups,
    channel_scores,
    plan_to_budget,
)

FLOPS_RATIO = 0.25
BATCHES = (1, 256)


def layer_seconds(model: nn.Module, x: torch.Tensor, *, repeats: int = 3) -> dict[str, float]:
    """Fastest of ``repeats`` timings of each leaf layer inside one forward pass on ``x``."""
    best: dict[str, float] = {}
    started: dict[str, float] = {}
    leaves = [(n, m) for n, m in model.named_modules() if not list(m.children())]
    handles = []
    for name, module in leaves:

        def pre(_m: nn.Module, _i: object, name: str = name) -> None:
            started[name] = time.perf_counter()

        def post(_m: nn.Module, _i: object, _o: object, name: str = name) -> None:
            elapsed = time.perf_counter() - started[name]
            best[name] = min(best.get(name, float("inf")), elapsed)

        handles += [module.register_forward_pre_hook(pre), module.register_forward_hook(post)]
    try:
        with torch.inference_mode():
            model.eval()
            for _ in range(repeats):
                model(x)
    finally:
        for h in handles:
            h.remove()
    return {f"{n} ({type(m).__name__})": best[n] for n, m in leaves}


def models() -> dict[str, tuple[nn.Module, tuple[int, ...]]]:
    torch.manual_seed(0)
    return {
        "cnn (16/32, fc128) 1x28x28": (
            build_model(name="cnn", input_shape=(1, 28, 28), num_classes=10),
            (1, 28, 28),
        ),
        "wide cnn (64/128, fc512) 3x32x32": (
            CNN(input_shape=(3, 32, 32), num_classes=10, channels=(64, 128), hidden=512),
            (3, 32, 32),
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 rounds instead of 7")
    args = parser.parse_args()
    torch.set_num_threads(1)
    rounds = 3 if args.quick else 7
    figures = {}
    for name, (dense, shape) in models().items():
        x = torch.randn(1, *shape, generator=torch.Generator().manual_seed(1))
        scores = channel_scores(model=dense, example_input=x, criterion="l1")
        plan = plan_to_budget(model=dense, example_input=x, scores=scores, flops_ratio=FLOPS_RATIO)
        pruned = copy.deepcopy(dense)
        apply_plan(model=pruned, example_input=x, plan=plan)
        runs: dict[str, dict[int, list[float]]] = {
            v: {b: [] for b in BATCHES} for v in ("dense", "pruned")
        }
        for r in range(rounds):
            for variant, model in (("dense", dense), ("pruned", pruned)):
                # fewer repeats for the big batch keep the run short; each is long enough to time
                for batch, repeats in zip(BATCHES, (200, 5), strict=True):
                    t = measure_latency(
                        model=model,
                        example_input=x,
                        batch_sizes=(batch,),
                        repeats=repeats,
                        warmup=max(1, repeats // 10),
                    )
                    runs[variant][batch].append(t[batch])
            print(f"{name}: round {r + 1}/{rounds}", file=sys.stderr)
        entry = {}
        for variant, model in (("dense", dense), ("pruned", pruned)):
            entry[variant] = {
                "macs_per_sample": count_macs(model=model, example_input=x),
                "params": count_params(model=model),
                "channels": channel_groups(model=model, example_input=x),
                "median_seconds_per_batch": {
                    str(b): statistics.median(runs[variant][b]) for b in BATCHES
                },
                "min_seconds_per_batch": {str(b): min(runs[variant][b]) for b in BATCHES},
                "layer_seconds_batch_256": layer_seconds(model, x.expand(256, *shape).contiguous()),
                "seconds_per_round": {str(b): runs[variant][b] for b in BATCHES},
            }
        entry["macs_ratio"] = entry["pruned"]["macs_per_sample"] / entry["dense"]["macs_per_sample"]
        entry["params_ratio"] = entry["pruned"]["params"] / entry["dense"]["params"]
        entry["speedup"] = {
            str(b): entry["dense"]["median_seconds_per_batch"][str(b)]
            / entry["pruned"]["median_seconds_per_batch"][str(b)]
            for b in BATCHES
        }
        entry["speedup_of_fastest_rounds"] = {
            str(b): entry["dense"]["min_seconds_per_batch"][str(b)]
            / entry["pruned"]["min_seconds_per_batch"][str(b)]
            for b in BATCHES
        }
        figures[name] = entry
    settings = {
        "threads": f"torch.set_num_threads(1) (torch reports {torch.get_num_threads()}); "
        "OMP/OPENBLAS/MKL_NUM_THREADS=1",
        "device": "cpu",
        "pruning": f"plan_to_budget(flops_ratio={FLOPS_RATIO}, scope='global') on 'l1' scores",
        "rounds": rounds,
        "repeats_per_round": {"1": 200, "256": 5},
        "latency": "median of the per-round medians (and the fastest round); eval() + "
        "torch.inference_mode(); layer_seconds_batch_256: fastest of 3 per leaf layer",
        "goal": ">= 3x faster at <= 1/4 of the MACs",
    }
    path = write_result("structured_latency", figures=figures, settings=settings)
    header = [
        "model",
        "MACs/sample dense -> pruned",
        "params",
        "batch",
        "dense ms",
        "pruned ms",
        "speed-up (median)",
        "speed-up (fastest rounds)",
    ]
    rows = []
    for name, f in figures.items():
        d, p = f["dense"], f["pruned"]
        for b in BATCHES:
            rows.append(
                [
                    name,
                    f"{d['macs_per_sample'] / 1e6:.2f} M -> {p['macs_per_sample'] / 1e6:.2f} M "
                    f"({f['macs_ratio']:.3f})",
                    f"{d['params']:,} -> {p['params']:,}",
                    b,
                    f"{d['median_seconds_per_batch'][str(b)] * 1e3:.3f}",
                    f"{p['median_seconds_per_batch'][str(b)] * 1e3:.3f}",
                    f"{f['speedup'][str(b)]:.2f}x",
                    f"{f['speedup_of_fastest_rounds'][str(b)]:.2f}x",
                ]
            )
    print(markdown_table(header, rows))
    for name, f in figures.items():
        dense, pruned = (
            f["dense"]["layer_seconds_batch_256"],
            f["pruned"]["layer_seconds_batch_256"],
        )
        layer_rows = [
            [layer, f"{t * 1e3:.2f}", f"{pruned[layer] * 1e3:.2f}", f"{t / pruned[layer]:.2f}x"]
            for layer, t in dense.items()
            if t > 1e-3 * sum(dense.values())
        ]
        print(f"\n{name}, batch 256, per layer (fastest of 3):")
        print(markdown_table(["layer", "dense ms", "pruned ms", "speed-up"], layer_rows))
    print(f"\nthreads: {torch.get_num_threads()}; wrote {path}")


if __name__ == "__main__":
    main()
