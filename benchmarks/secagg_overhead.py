"""Secure aggregation's overhead in bytes and time against plain aggregation, one round.

Rerun: ``.venv/bin/python benchmarks/secagg_overhead.py [--quick]``. Writes
``benchmarks/results/secagg_overhead.json`` and prints a markdown table.

One round's aggregation of the MNIST CNN's update (215,370 floats; dense, and 80 % pruned by
global magnitude with the mask shared) at 10, 50 and 100 clients, on one core, in one process:

- plain: each client fp32-encodes its model (sparse under the mask); the server decodes every
  payload and takes the example-weighted mean (median of 3 repetitions);
- secagg: the four protocol rounds (``fedprune.secagg.Session``), a 64-bit ring, threshold
  two thirds of the clients; every message serialised and counted; the client side builds its
  kept-entry vector and fixed-point encodes it; the server unmasks and decodes the mean
  (one repetition: each is seconds long);
- secagg 32-bit: the same in Z_2^32 (4 bytes an entry, like fp32, at a coarser resolution);
- secagg 10% drop: the same as secagg with a tenth of the clients dropping out before their masked
  input, so the server rebuilds their mask keys and strips their pairwise masks;
- secagg+ k: SecAgg+'s neighbour graph with k = 2 * ceil(log2 n) (Bell et al. 2020).

Bytes are per client, everything the aggregation adds to the round (the model broadcast is the
same with and without it and is left out). Client seconds are the masking step of one client
(the O(n * length) PRG work); protocol seconds are the whole round, every party in turn.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import math  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
from common import markdown_table, write_result  # noqa: E402

from fedprune.aggregate.mean import weighted_mean  # noqa: E402
from fedprune.models import build_model, prunable_names  # noqa: E402
from fedprune.payload import pack_model, sent_state, unpack_model  # noqa: E402
from fedprune.prune.mask import full_masks  # noqa: E402
from fedprune.secagg import FixedPoint, Session, default_threshold  # noqa: E402
from fedprune.secagg.fixed_point import to_ring  # noqa: E402
from fedprune.secagg.vector import flatten, kept_length, unflatten  # noqa: E402

MAX_EXAMPLES = 1000


def make_round(n: int, *, sparsity: float, seed: int = 0) -> tuple[dict, dict, list, list[int]]:
    """The global model, its shared mask, n clients' trained models and their example counts."""
    torch.manual_seed(seed)
    model = build_model(name="cnn", input_shape=(1, 28, 28), num_classes=10)
    base = sent_state(model)
    prunable = prunable_names(model)
    masks = full_masks(base, prunable)
    if sparsity:
        scores = torch.cat([base[p].abs().reshape(-1) for p in prunable])
        cut = scores.kthvalue(int(sparsity * len(scores))).values
        masks = {p: base[p].abs() > cut for p in prunable}
        for p in prunable:
            base[p] = base[p] * masks[p]
    gen = torch.Generator().manual_seed(seed + 1)
    clients = []
    for _ in range(n):
        trained = {k: v + 0.01 * torch.randn(v.shape, generator=gen) for k, v in base.items()}
        for p in prunable:
            trained[p] = trained[p] * masks[p]
        clients.append(trained)
    counts = [int(c) for c in np.random.default_rng(seed).integers(100, MAX_EXAMPLES, n)]
    return base, masks, clients, counts


def plain_round(base: dict, masks: dict, clients: list, counts: list[int]) -> dict:
    prunable = list(masks)
    t0 = time.perf_counter()
    payloads = [pack_model(params=c, masks=masks) for c in clients]
    t1 = time.perf_counter()
    decoded = [unpack_model(payload=p, reference=base, prunable=prunable)[0] for p in payloads]
    mean = weighted_mean(tensors=decoded, weights=counts)
    t2 = time.perf_counter()
    return {
        "mean": mean,
        "client_seconds": (t1 - t0) / len(clients),
        "server_seconds": t2 - t1,
        "seconds": t2 - t0,
        "bytes_up_per_client": statistics.mean(len(p) for p in payloads),
        "bytes_down_per_client": 0,
    }


def secure_round(
    base: dict,
    masks: dict,
    clients: list,
    counts: list[int],
    *,
    dropout: float = 0.0,
    neighbours: int | None = None,
    bits: int = 64,
) -> dict:
    n = len(clients)
    ids = list(range(n))
    holders = n if neighbours is None else min(n, neighbours + 1)
    fp = FixedPoint.for_sum(bits=bits, clip=1.0, total_weight=n * MAX_EXAMPLES)
    sent: Counter[tuple[int, str]] = Counter()
    dropped = set(np.random.default_rng(1).choice(n, size=round(dropout * n), replace=False))
    t0 = time.perf_counter()
    session = Session(
        clients=ids,
        threshold=default_threshold(holders),
        bits=bits,
        neighbours=neighbours,
        record=lambda c, d, p: sent.update({(c, d): len(p)}),
    )
    session.setup()
    t1 = time.perf_counter()
    masked = {}
    for c in ids:
        if c in dropped:
            continue
        x = flatten(
            tensors={k: clients[c][k].double() - base[k].double() for k in base}, masks=masks
        )
        ring = np.concatenate(
            [fp.encode(x, weight=counts[c]), to_ring(np.array([counts[c]]), bits=bits)]
        )
        masked[c] = session.masked_input(c, ring)
    t2 = time.perf_counter()
    outcome = session.finish(masked, length=kept_length(like=base, masks=masks) + 1)
    total = fp.decode_int(outcome.total)
    delta = unflatten(
        total[:-1] / fp.scale / total[-1],
        like={k: v.double() for k, v in base.items()},
        masks=masks,
    )
    mean = {k: (base[k].double() + delta[k]).float() for k in base}
    t3 = time.perf_counter()
    survivors = len(masked)
    return {
        "mean": mean,
        "survivors": survivors,
        "dropped": len(dropped),
        "client_seconds": (t2 - t1) / max(survivors, 1),
        "setup_seconds": t1 - t0,
        "server_seconds": t3 - t2,
        "seconds": t3 - t0,
        "bytes_up_per_client": sum(v for (c, d), v in sent.items() if d == "up") / n,
        "bytes_down_per_client": sum(v for (c, d), v in sent.items() if d == "down") / n,
        "bytes_by_message": dict(session.stage_bytes),
        "resolution": fp.resolution,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 and 50 clients only")
    args = parser.parse_args()
    torch.set_num_threads(1)
    sizes = [10, 50] if args.quick else [10, 50, 100]
    figures: dict[str, dict] = {}
    rows = []
    for sparsity in (0.0, 0.8):
        for n in sizes:
            base, masks, clients, counts = make_round(n, sparsity=sparsity)
            plain_runs = [plain_round(base, masks, clients, counts) for _ in range(3)]
            plain = plain_runs[0] | {
                k: statistics.median(r[k] for r in plain_runs)
                for k in ("client_seconds", "server_seconds", "seconds")
            }
            k = 2 * math.ceil(math.log2(n))
            variants = {
                "secagg": {},
                "secagg 32-bit": {"bits": 32},
                "secagg 10% drop": {"dropout": 0.1},
                f"secagg+ k={k}": {"neighbours": k},
            }
            for name, options in variants.items():
                sec = secure_round(base, masks, clients, counts, **options)
                if "dropout" not in options:  # same survivors as plain: the means agree
                    diff = max(float((sec["mean"][t] - plain["mean"][t]).abs().max()) for t in base)
                    assert diff <= 0.5 * sec["resolution"] + 1e-6, diff
                    sec["max_abs_diff_vs_plain"] = diff
                update = f"{round(sparsity * 100)}% pruned" if sparsity else "dense"
                key = f"{n} clients, {update}, {name}"
                plain_bytes = plain["bytes_up_per_client"]
                sec_bytes = sec["bytes_up_per_client"] + sec["bytes_down_per_client"]
                figures[key] = {
                    "clients": n,
                    "update": update,
                    "variant": name,
                    "kept_entries": kept_length(like=base, masks=masks),
                    "plain": {k2: v for k2, v in plain.items() if k2 != "mean"},
                    "secagg": {k2: v for k2, v in sec.items() if k2 != "mean"},
                    "bytes_ratio": sec_bytes / plain_bytes,
                    "time_ratio": sec["seconds"] / plain["seconds"],
                }
                rows.append(
                    [
                        n,
                        update,
                        name,
                        f"{plain_bytes:,.0f}",
                        f"{sec['bytes_up_per_client']:,.0f} / {sec['bytes_down_per_client']:,.0f}",
                        f"{sec_bytes / plain_bytes:.2f}",
                        f"{plain['seconds']:.3f}",
                        f"{sec['seconds']:.2f}",
                        f"{sec['seconds'] / plain['seconds']:.0f}",
                        f"{sec['client_seconds']:.3f}",
                        f"{sec['server_seconds']:.2f}",
                    ]
                )
                print(f"{key}: {sec['seconds']:.2f} s", file=sys.stderr, flush=True)
    settings = {
        "update": "MNIST CNN, 215,370 float32 entries; 80% pruned = global magnitude, mask shared",
        "ring": "Z_2^64 (32-bit variant: Z_2^32), clip 1.0, weights = example counts in "
        "[100, 1000), max_examples 1000",
        "threshold": "ceil(2/3 of the share holders)",
        "threads": "torch.set_num_threads(1); OMP/OPENBLAS/MKL_NUM_THREADS=1",
        "repetitions": "plain: median of 3; secagg: 1",
        "bytes": "per client; plain = its fp32 upload; secagg = every protocol message",
    }
    path = write_result("secagg_overhead", figures=figures, settings=settings)
    header = [
        "clients",
        "update",
        "variant",
        "plain B up",
        "secagg B up / down",
        "x bytes",
        "plain s",
        "secagg s",
        "x time",
        "client mask s",
        "server unmask s",
    ]
    print(markdown_table(header, rows))
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
