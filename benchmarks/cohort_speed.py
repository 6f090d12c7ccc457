"""Cohort vectorisation on this machine: several clients' local SGD as one batched computation,
against the same clients trained one after another (``fedprune.training.train_local``).

Rerun: ``.venv/bin/python benchmarks/cohort_speed.py [--quick] [--device cpu|cuda]``.
Writes ``benchmarks/results/cohort_speed.json`` and prints a markdown table.

Clients that start from the same global model with the same instruction can take their steps
together, their weights stacked along a leading client axis. Two candidates are measured:

- ``vmap``: ``torch.func.vmap(grad_and_value(...))`` over ``functional_call``: any model
  without batch norm, dropout or recurrent layers;
- ``bmm``: MLPs only, each ``Linear`` as one ``baddbmm`` over the stacked weights, plain
  autograd.

Both are the same maths as ``train_local`` step for step (each client's own batches from its
own generator, masked gradients, momentum, re-masking; clients with fewer examples pad with
zero-weight examples and sit out the steps they lack) and the benchmark checks their trained
weights against the sequential ones. Workload: MNIST-shaped random inputs (the kernels do not
care what the pixels are), 90 examples a client, 1 epoch, batch 10, SGD lr 0.05 momentum 0.5,
50 % of every weight matrix masked; the 2x200 ``mlp`` and the ``cnn_fedavg`` CNN; cohorts of
10 and 50 clients; 1 and every thread. Medians of 5 repetitions, variants alternated.
fedprune's engine does not vectorise cohorts: on the machine this was recorded on neither
candidate beat training clients one by one (benchmarks/README.md); rerun it where you expect
a gain (a GPU: ``--device cuda``).
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.func import functional_call, grad_and_value, vmap

from fedprune.mask_count import keeps_all
from fedprune.messages import Instruction
from fedprune.training import train_local

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import markdown_table, randomly_pruned, write_result

# modules whose training step is not a pure function of (weights, batch): batch statistics,
# random dropout masks, recurrent state; a model holding one trains client by client
_STATEFUL = (nn.modules.batchnorm._BatchNorm, nn.Dropout, nn.RNNBase)


def cohort_eligible(model: nn.Module) -> bool:
    """Whether ``model`` can train as a cohort: no batch norm, dropout or recurrent layer, every
    parameter trainable."""
    if any(isinstance(m, _STATEFUL) for m in model.modules()):
        return False
    return all(p.requires_grad for p in model.parameters())


@dataclass(frozen=True)
class Member:
    """One client of a cohort: its training tensors and one permutation of them per epoch."""

    x: Tensor
    y: Tensor
    orders: Sequence[Tensor]


def train_vmap(
    *,
    model: nn.Module,
    masks: Mapping[str, Tensor],
    members: Sequence[Member],
    instruction: Instruction,
) -> list[tuple[dict[str, Tensor], float]]:
    """Train every member from ``model``'s current weights with ``vmap``; ``(trained
    parameters, mean train loss)`` per member, in order. ``model`` itself is left as it was."""
    if not cohort_eligible(model):
        raise ValueError("train_vmap needs a model without batch norm, dropout or RNN layers")
    params = {n: p.detach() for n, p in model.named_parameters()}
    buffers = {n: b.detach() for n, b in model.named_buffers()}
    count = len(members)
    stacked = {n: p.unsqueeze(0).repeat(count, *([1] * p.dim())) for n, p in params.items()}
    masked = {
        n: m.to(params[n].dtype) for n, m in masks.items() if n in params and not keeps_all(m)
    }
    momentum = instruction.momentum
    velocity = {n: torch.zeros_like(t) for n, t in stacked.items()} if momentum else {}

    def loss(p: dict[str, Tensor], x: Tensor, y: Tensor, w: Tensor) -> Tensor:
        out = functional_call(model, (p, buffers), (x,))
        return (F.cross_entropy(out, y, reduction="none") * w).sum() / w.sum().clamp(min=1)

    step_of = vmap(grad_and_value(loss))
    size = instruction.batch_size
    totals = torch.zeros(count, dtype=torch.float64)
    seen = torch.zeros(count, dtype=torch.float64)
    was_training = model.training
    model.train()
    try:
        for epoch in range(instruction.epochs):
            steps = max(math.ceil(int(m.x.shape[0]) / size) for m in members)
            for s in range(steps):
                xb, yb, wb = _batch(members, epoch=epoch, start=s * size, size=size)
                grads, losses = step_of(stacked, xb, yb, wb)
                taken = wb.sum(dim=1)
                active = (taken > 0).to(xb.dtype)
                _sgd_step(
                    stacked=stacked,
                    grads=grads,
                    start=params,
                    velocity=velocity,
                    masked=masked,
                    active=active,
                    instruction=instruction,
                )
                totals += (losses.detach() * taken).cpu().to(torch.float64)
                seen += taken.cpu().to(torch.float64)
    finally:
        model.train(was_training)
    mean_loss = (totals / seen.clamp(min=1)).tolist()
    return [({n: t[k] for n, t in stacked.items()}, float(mean_loss[k])) for k in range(count)]


def train_bmm(
    *,
    model: nn.Module,
    masks: Mapping[str, Tensor],
    members: Sequence[Member],
    instruction: Instruction,
) -> list[tuple[dict[str, Tensor], float]]:
    """``train_vmap`` for an MLP (``Flatten``, ``Linear`` and ``ReLU`` only): each layer is one
    ``baddbmm`` over the stacked weights, and plain autograd takes the gradients."""
    layers = [m for m in model.modules() if not isinstance(m, nn.Sequential) and m is not model]
    if not all(isinstance(m, (nn.Flatten, nn.Linear, nn.ReLU)) for m in layers):
        raise ValueError("train_bmm takes Flatten, Linear and ReLU layers only")
    params = {n: p.detach() for n, p in model.named_parameters()}
    count = len(members)
    stacked = {
        n: p.unsqueeze(0).repeat(count, *([1] * p.dim())).requires_grad_()
        for n, p in params.items()
    }
    names = {id(m): n for n, m in model.named_modules()}
    masked = {
        n: m.to(params[n].dtype) for n, m in masks.items() if n in params and not keeps_all(m)
    }
    velocity = {n: torch.zeros_like(t) for n, t in stacked.items()} if instruction.momentum else {}
    size = instruction.batch_size
    totals = torch.zeros(count, dtype=torch.float64)
    seen = torch.zeros(count, dtype=torch.float64)
    for epoch in range(instruction.epochs):
        steps = max(math.ceil(int(m.x.shape[0]) / size) for m in members)
        for s in range(steps):
            xb, yb, wb = _batch(members, epoch=epoch, start=s * size, size=size)
            h = xb.reshape(count, size, -1)
            for layer in layers:
                if isinstance(layer, nn.Linear):
                    name = names[id(layer)]
                    w, b = stacked[f"{name}.weight"], stacked[f"{name}.bias"]
                    h = torch.baddbmm(b.unsqueeze(1), h, w.transpose(1, 2))
                elif isinstance(layer, nn.ReLU):
                    h = torch.relu(h)
            per = F.cross_entropy(h.reshape(count * size, -1), yb.reshape(-1), reduction="none")
            taken = wb.sum(dim=1)
            losses = (per.reshape(count, size) * wb).sum(dim=1) / taken.clamp(min=1)
            grads = dict(
                zip(stacked, torch.autograd.grad(losses.sum(), list(stacked.values())), strict=True)
            )
            _sgd_step(
                stacked=stacked,
                grads=grads,
                start=params,
                velocity=velocity,
                masked=masked,
                active=(taken > 0).to(xb.dtype),
                instruction=instruction,
            )
            totals += (losses.detach() * taken).cpu().to(torch.float64)
            seen += taken.cpu().to(torch.float64)
    mean_loss = (totals / seen.clamp(min=1)).tolist()
    return [
        ({n: t.detach()[k] for n, t in stacked.items()}, float(mean_loss[k])) for k in range(count)
    ]


def _batch(
    members: Sequence[Member], *, epoch: int, start: int, size: int
) -> tuple[Tensor, Tensor, Tensor]:
    """Every member's batch at ``start`` of its epoch's order, padded to ``size`` with weight
    0 (a member past its last example gets a batch of padding only)."""
    xs, ys, ws = [], [], []
    for m in members:
        idx = m.orders[epoch][start : start + size]
        real = int(idx.numel())
        pad = torch.zeros(size - real, dtype=idx.dtype)  # example 0 repeated, weighted 0
        full = torch.cat([idx, pad]) if real < size else idx
        xs.append(m.x[full])
        ys.append(m.y[full])
        w = torch.zeros(size, dtype=m.x.dtype, device=m.x.device)
        w[:real] = 1
        ws.append(w)
    return torch.stack(xs), torch.stack(ys), torch.stack(ws)


@torch.no_grad()
def _sgd_step(
    *,
    stacked: dict[str, Tensor],
    grads: Mapping[str, Tensor],
    start: Mapping[str, Tensor],
    velocity: dict[str, Tensor],
    masked: Mapping[str, Tensor],
    active: Tensor,
    instruction: Instruction,
) -> None:
    """``fedprune.training.MaskedSGD.step`` for every member at once: FedProx term, masked
    gradient, torch SGD's weight decay and momentum, step, re-mask; inactive members keep
    their weights and momentum."""
    lr, wd, mu, prox = (
        instruction.lr,
        instruction.weight_decay,
        instruction.momentum,
        instruction.prox_mu,
    )
    for name, p in stacked.items():
        on = active.reshape(-1, *([1] * (p.dim() - 1)))
        g = grads[name]
        if prox > 0:
            g = g + prox * (p - start[name])
        if name in masked:
            g = g * masked[name]
        if wd:
            g = g + wd * p
        if mu:
            v = velocity[name]
            v.copy_(torch.where(on > 0, mu * v + g, v))
            g = v
        p.sub_(lr * on * g)
        if name in masked:
            p.mul_(masked[name])


# --- the measurement ------------------------------------------------------------------------

CANDIDATES: dict[str, Callable[..., list[tuple[dict[str, Tensor], float]]]] = {
    "vmap": train_vmap,
    "bmm": train_bmm,
}
INSTRUCTION = Instruction(epochs=1, batch_size=10, lr=0.05, momentum=0.5)
EXAMPLES = 90


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def setting(*, name: str, clients: int, device: torch.device) -> dict[str, Any]:
    """A model, its masks and ``clients`` members of random MNIST-shaped data (seeded)."""
    g = torch.Generator().manual_seed(0)
    model, masks = randomly_pruned(name=name, sparsity=0.5, generator=g)
    model = model.to(device)
    masks = {n: m.to(device) for n, m in masks.items()}
    members = [
        Member(
            x=torch.randn(EXAMPLES, 1, 28, 28, generator=g).to(device),
            y=torch.randint(0, 10, (EXAMPLES,), generator=g).to(device),
            orders=[torch.randperm(EXAMPLES, generator=torch.Generator().manual_seed(c))],
        )
        for c in range(clients)
    ]
    return {"model": model, "masks": masks, "members": members}


def sequential(*, model: nn.Module, masks: Mapping[str, Tensor], members: Sequence[Member]) -> Any:
    """What the engine does: each client from the same start, ``train_local``, one by one."""
    start = {k: v.clone() for k, v in model.state_dict().items()}
    out = []
    for c, m in enumerate(members):
        model.load_state_dict(start)
        gen = torch.Generator().manual_seed(c)  # the generator Member.orders was drawn from
        loss = train_local(
            model=model, x=m.x, y=m.y, masks=masks, instruction=INSTRUCTION, generator=gen
        )
        out.append(
            ({n: p.detach().clone() for n, p in model.named_parameters()}, loss["train_loss"])
        )
    model.load_state_dict(start)
    return out


def timed(fn: Callable[[], Any], device: torch.device) -> tuple[float, Any]:
    sync(device)
    t0 = time.perf_counter()
    result = fn()
    sync(device)
    return time.perf_counter() - t0, result


def measure(
    *, name: str, clients: int, threads: int, repeats: int, device: torch.device
) -> dict[str, Any]:
    torch.set_num_threads(threads)
    s = setting(name=name, clients=clients, device=device)
    runs: dict[str, Callable[[], Any]] = {"sequential": lambda: sequential(**s)}
    for cand, fn in CANDIDATES.items():
        if cand == "bmm" and name != "mlp":
            continue
        runs[cand] = lambda fn=fn: fn(instruction=INSTRUCTION, **s)
    seconds: dict[str, list[float]] = {k: [] for k in runs}
    results: dict[str, Any] = {}
    for k, fn in runs.items():  # warm-up (first calls build kernels and vmap plans)
        results[k] = fn()
    for rep in range(repeats):
        keys = list(runs)
        for k in keys[rep % len(keys) :] + keys[: rep % len(keys)]:
            seconds[k].append(timed(runs[k], device)[0])
    base = results["sequential"]
    out: dict[str, Any] = {}
    for k in runs:
        diff = max(
            float((results[k][c][0][n] - base[c][0][n]).abs().max())
            for c in range(clients)
            for n in base[c][0]
        )
        med = statistics.median(seconds[k])
        out[k] = {
            "median_s": med,
            "runs_s": seconds[k],
            "speedup_vs_sequential": statistics.median(seconds["sequential"]) / med,
            "max_abs_weight_diff_vs_sequential": diff,
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="mlp, 10 clients, 1 repetition")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    device = torch.device(args.device)
    cores = len(os.sched_getaffinity(0))
    grid = [("mlp", 10), ("mlp", 50), ("cnn_fedavg", 10)] if not args.quick else [("mlp", 10)]
    threads = sorted({1, cores}) if device.type == "cpu" else [1]
    repeats = 1 if args.quick else args.repeats
    figures: dict[str, Any] = {}
    rows = []
    for name, clients in grid:
        for t in threads:
            key = f"{name} x{clients}, {t} thread(s)"
            got = measure(name=name, clients=clients, threads=t, repeats=repeats, device=device)
            figures[key] = got
            print(f"{key}: done", file=sys.stderr)
            for k, v in got.items():
                rows.append(
                    [
                        key,
                        k,
                        f"{v['median_s'] * 1e3:.0f}",
                        f"{v['speedup_vs_sequential']:.2f}",
                        f"{v['max_abs_weight_diff_vs_sequential']:.1e}",
                    ]
                )
    write_result(
        "cohort_speed",
        figures=figures,
        settings={
            "device": str(device),
            "repeats": repeats,
            "examples_per_client": EXAMPLES,
            "instruction": {"epochs": 1, "batch_size": 10, "lr": 0.05, "momentum": 0.5},
        },
    )
    header = ["setting", "route", "ms (median)", "speed-up vs sequential", "max |dw| vs seq"]
    print(markdown_table(header, rows))


if __name__ == "__main__":
    main()
