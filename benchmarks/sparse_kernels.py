"""Do sparse kernels make a pruned layer's training step faster on this machine? One linear
layer's forward and backward with dense kernels on the masked weight vs PyTorch's CSR kernels
on its kept entries only, at 50-99 % sparsity.

Rerun: ``.venv/bin/python benchmarks/sparse_kernels.py [--quick]``.
Writes ``benchmarks/results/sparse_kernels.json`` and prints a markdown table.

A training step of ``y = x W^T`` needs three products: the forward ``x W^T``, the input
gradient ``dy W`` and the weight gradient ``dy^T x``. Dense: three ``torch.mm`` on the masked
weight (what fedprune's masked SGD runs). Sparse: ``torch.sparse.mm`` with ``W`` in CSR for
the first two (its transpose kept in CSR too, built once as a pruned model would) and
``torch.sparse.sampled_addmm`` for the third, which computes ``dy^T x`` only at the kept
entries. Layers: the FedAvg CNN's ``fc`` (3136 -> 512) and the 2x200 MLP's first layer
(784 -> 200), batches of 10 and 32 (the local batch sizes fedprune's benchmarks train with),
1 thread (one worker process). Medians of 20 repetitions, dense and sparse alternated; the
sparse results are checked against the dense ones.

Then a whole client job's training as fedprune runs it (``train_local``: 90 examples, one
epoch, batch 10, SGD with momentum), every weight tensor pruned at random to the sparsity, with
no sparse policy (masked dense), every pruned ``Linear`` packed (CSR kernels; convolutions
stay masked dense) and the shipped ``engine.sparse_kernels = "auto"`` rule
(``fedprune.sparse_linear.AUTO``), for the ``mlp`` and ``cnn_fedavg`` models. This second
table is what ``AUTO`` is set from.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import torch

from fedprune.messages import Instruction
from fedprune.sparse_linear import AUTO, SparsePolicy
from fedprune.training import train_local

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import markdown_table, randomly_pruned, write_result

LAYERS = {"cnn_fedavg fc (3136->512)": (512, 3136), "mlp fc1 (784->200)": (200, 784)}
SPARSITIES = (0.5, 0.8, 0.9, 0.95, 0.99)
BATCHES = (10, 32)


def dense_step(w: torch.Tensor, x: torch.Tensor, dy: torch.Tensor) -> tuple[torch.Tensor, ...]:
    return x @ w.t(), dy @ w, dy.t() @ x


def sparse_step(
    w_csr: torch.Tensor, wt_csr: torch.Tensor, x: torch.Tensor, dy: torch.Tensor
) -> tuple[torch.Tensor, ...]:
    y = torch.sparse.mm(w_csr, x.t()).t()
    dx = torch.sparse.mm(wt_csr, dy.t()).t()
    dw = torch.sparse.sampled_addmm(w_csr, dy.t().contiguous(), x, beta=0.0)
    return y, dx, dw


def median_time(fn: Any, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def measure(*, out_f: int, in_f: int, sparsity: float, batch: int, repeats: int) -> dict[str, Any]:
    g = torch.Generator().manual_seed(0)
    mask = torch.rand(out_f, in_f, generator=g) >= sparsity
    w = torch.randn(out_f, in_f, generator=g) * mask
    x = torch.randn(batch, in_f, generator=g)
    dy = torch.randn(batch, out_f, generator=g)
    w_csr = w.to_sparse_csr()
    wt_csr = w.t().contiguous().to_sparse_csr()
    want = dense_step(w, x, dy)
    got = sparse_step(w_csr, wt_csr, x, dy)
    err = max(
        float((want[0] - got[0]).abs().max()),
        float((want[1] - got[1]).abs().max()),
        float((want[2] * mask - got[2].to_dense()).abs().max()),
    )
    dense_s, sparse_s = [], []
    for _ in range(repeats // 5):  # alternate in blocks of 5
        dense_s.append(median_time(lambda: dense_step(w, x, dy), 5))
        sparse_s.append(median_time(lambda: sparse_step(w_csr, wt_csr, x, dy), 5))
    d, s = statistics.median(dense_s), statistics.median(sparse_s)
    return {
        "dense_us": d * 1e6,
        "sparse_us": s * 1e6,
        "sparse_speedup": d / s,
        "max_abs_error": err,
        "kept": int(mask.sum()),
    }


def client_training(*, model_name: str, sparsity: float, repeats: int) -> dict[str, Any]:
    g = torch.Generator().manual_seed(0)
    model, masks = randomly_pruned(name=model_name, sparsity=sparsity, generator=g)
    start = {k: v.clone() for k, v in model.state_dict().items()}
    x = torch.randn(90, 1, 28, 28, generator=g)
    y = torch.randint(0, 10, (90,), generator=g)
    instruction = Instruction(epochs=1, batch_size=10, lr=0.05, momentum=0.5)

    def job(policy: SparsePolicy | None) -> dict[str, torch.Tensor]:
        model.load_state_dict(start)
        train_local(
            model=model,
            x=x,
            y=y,
            masks=masks,
            instruction=instruction,
            generator=torch.Generator().manual_seed(1),
            sparse=policy,
        )
        return {k: v.clone() for k, v in model.state_dict().items()}

    policies = {"dense": None, "all_linear": SparsePolicy(max_density=1.0), "auto": AUTO}
    base = job(None)
    diff = {
        k: max(float((job(p)[n] - base[n]).abs().max()) for n in base) for k, p in policies.items()
    }
    times: dict[str, list[float]] = {k: [] for k in policies}
    for _ in range(repeats // 5):
        for k, p in policies.items():
            times[k].append(median_time(lambda p=p: job(p), 5))
    med = {k: statistics.median(v) for k, v in times.items()}
    return {
        **{f"{k}_ms": v * 1e3 for k, v in med.items()},
        **{f"{k}_speedup": med["dense"] / v for k, v in med.items() if k != "dense"},
        "max_abs_diff": diff,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one layer, batch 10, 5 repeats")
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    torch.set_num_threads(1)
    layers = dict(list(LAYERS.items())[:1]) if args.quick else LAYERS
    batches = BATCHES[:1] if args.quick else BATCHES
    repeats = 5 if args.quick else args.repeats
    figures: dict[str, Any] = {}
    rows = []
    for layer, (out_f, in_f) in layers.items():
        for batch in batches:
            for sp in SPARSITIES:
                got = measure(out_f=out_f, in_f=in_f, sparsity=sp, batch=batch, repeats=repeats)
                figures[f"{layer}, batch {batch}, sparsity {sp}"] = got
                rows.append(
                    [
                        layer,
                        batch,
                        f"{sp:.0%}",
                        f"{got['dense_us']:.0f}",
                        f"{got['sparse_us']:.0f}",
                        f"{got['sparse_speedup']:.2f}",
                        f"{got['max_abs_error']:.1e}",
                    ]
                )
    client_rows = []
    for model_name in ("mlp",) if args.quick else ("mlp", "cnn_fedavg"):
        for sp in (0.8, 0.9, 0.95, 0.99):
            got = client_training(model_name=model_name, sparsity=sp, repeats=repeats)
            figures[f"client job {model_name}, sparsity {sp}"] = got
            client_rows.append(
                [
                    model_name,
                    f"{sp:.0%}",
                    f"{got['dense_ms']:.1f}",
                    f"{got['all_linear_ms']:.1f} ({got['all_linear_speedup']:.2f}x)",
                    f"{got['auto_ms']:.1f} ({got['auto_speedup']:.2f}x)",
                    f"{max(got['max_abs_diff'].values()):.1e}",
                ]
            )
    write_result(
        "sparse_kernels",
        figures=figures,
        settings={"threads": 1, "repeats": repeats, "torch": torch.__version__},
    )
    header = ["layer", "batch", "sparsity", "dense µs", "CSR µs", "CSR speed-up", "max |err|"]
    print(markdown_table(header, rows))
    header = ["model", "sparsity", "masked dense ms", "all Linear packed", "auto", "max |dw|"]
    print()
    print(markdown_table(header, client_rows))


if __name__ == "__main__":
    main()
