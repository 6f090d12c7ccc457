"""Does rounding structurally pruned widths to multiples of 8 (``structured.round_to = 8``) make
a client train faster, and at what cost in MACs?

Rerun: ``.venv/bin/python benchmarks/channel_rounding.py [--quick]``.
Writes ``benchmarks/results/channel_rounding.json`` and prints a markdown table.

The FedAvg CNN (``cnn_fedavg``, conv32-conv64-fc512) is pruned with ``plan_to_budget`` on
group-L1 scores (global scope, the weights of a seeded initialisation) to several fractions of
its MACs, once as planned and once with ``round_to=8`` (the same scores). Each model then runs
one client job as a worker does (``train_local``, 1 thread, channels-last, 80 MNIST-shaped
examples, 5 epochs of batch-10 SGD with momentum 0.9: ``time_to_accuracy``'s recipe); the two
alternate, and a time is the median of the repetitions.
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
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import torch  # noqa: E402
from torch import nn  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import markdown_table, write_result  # noqa: E402

from fedprune.messages import Instruction  # noqa: E402
from fedprune.models import build_model  # noqa: E402
from fedprune.models.layout import apply_layout  # noqa: E402
from fedprune.profile import count_macs  # noqa: E402
from fedprune.prune.structured import apply_plan, channel_scores, plan_to_budget  # noqa: E402
from fedprune.training import train_local  # noqa: E402

RATIOS = (0.75, 0.5, 0.35, 0.25)
ROUND_TO = 8
RECIPE = Instruction(epochs=5, batch_size=10, lr=0.05, momentum=0.9)


def widths(model: nn.Module) -> list[int]:
    return [int(p.shape[0]) for p in model.parameters() if p.dim() > 1]


def client_job(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    start = time.perf_counter()
    train_local(
        model=model,
        x=x,
        y=y,
        masks={},
        instruction=RECIPE,
        generator=torch.Generator().manual_seed(0),
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="two budgets, 3 repetitions")
    parser.add_argument("--repeats", type=int, default=11)
    args = parser.parse_args()
    ratios, repeats = ((0.5, 0.25), 3) if args.quick else (RATIOS, args.repeats)
    torch.set_num_threads(1)
    torch.manual_seed(0)
    dense = build_model(name="cnn_fedavg", input_shape=(1, 28, 28), num_classes=10)
    example = torch.zeros(1, 1, 28, 28)
    scores = channel_scores(model=dense, example_input=example, criterion="l1")
    g = torch.Generator().manual_seed(1)
    x = torch.randn(80, 1, 28, 28, generator=g).contiguous(memory_format=torch.channels_last)
    y = torch.randint(0, 10, (80,), generator=g)
    dense_macs = count_macs(model=dense, example_input=example)

    figures: dict[str, Any] = {}
    rows = []
    for ratio in ratios:
        models = {}
        for step in (1, ROUND_TO):
            plan = plan_to_budget(
                model=dense, example_input=example, scores=scores, flops_ratio=ratio, round_to=step
            )
            model = copy.deepcopy(dense)
            apply_plan(model=model, example_input=example, plan=plan)
            models[step] = apply_layout(model, channels_last=True)
        times: dict[int, list[float]] = {1: [], ROUND_TO: []}
        for model in models.values():  # warm-up: oneDNN picks its kernels on first use
            client_job(model, x, y)
        for _ in range(repeats):
            for step, model in models.items():
                times[step].append(client_job(model, x, y))
        got = {
            str(step): {
                "widths": widths(model),
                "macs": count_macs(model=model, example_input=example),
                "client_job_ms": 1e3 * statistics.median(times[step]),
            }
            for step, model in models.items()
        }
        plain, rounded = got["1"], got[str(ROUND_TO)]
        speedup = plain["client_job_ms"] / rounded["client_job_ms"]
        figures[str(ratio)] = {**got, "speedup": speedup}
        rows.append(
            [
                ratio,
                f"{plain['widths'][:3]} → {rounded['widths'][:3]}",
                f"{plain['macs'] / dense_macs:.3f} → {rounded['macs'] / dense_macs:.3f}",
                f"{plain['client_job_ms']:.0f} → {rounded['client_job_ms']:.0f}",
                f"{speedup:.2f}x",
            ]
        )
    write_result(
        "channel_rounding",
        figures=figures,
        settings={"ratios": list(ratios), "repeats": repeats, "round_to": ROUND_TO},
    )
    header = [
        "MACs budget",
        "widths (conv1, conv2, fc1)",
        "MACs / dense",
        "client job ms",
        "speed-up",
    ]
    print(markdown_table(header, rows))


if __name__ == "__main__":
    main()
