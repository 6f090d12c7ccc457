"""Encode+decode throughput of codec pipelines on one core, in MB/s of dense fp32 data.

Rerun: ``.venv/bin/python benchmarks/codec_throughput.py [--quick]``. Writes
``benchmarks/results/codec_throughput.json`` and prints a markdown table.

Each repetition runs every pipeline once, in turn, on the same 1M-element tensor (4 MB dense
fp32), so the dense fp32 baseline shares the machine's state; figures are medians. Goal:
>= 200 MB/s.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import torch  # noqa: E402
from common import markdown_table, write_result  # noqa: E402

from fedprune.codec import decode, encode_pipeline, parse_pipeline, topk_mask  # noqa: E402

# name -> (pipeline, which mask travels with the tensor)
CASES = {
    "dense fp32": ("fp32", None),
    "dense fp16": ("fp16", None),
    "dense int8+zstd": ("int8+zstd", None),
    "topk(0.1)+int8+zstd": ("topk(0.1)+int8+zstd", None),
    "topk(0.01)+ternary+zstd": ("topk(0.01)+ternary+zstd", None),
    "pruned 90% fp32 (auto mask)": ("fp32", "pruned"),
    "pruned 90% int8+zstd": ("int8+zstd", "pruned"),
    "pruned 50% int8+zstd": ("int8+zstd", "half"),
    "mask-known 90% fp16+zstd": ("mask-known+fp16+zstd", "pruned"),
}


def run_once(tensor: torch.Tensor, pipeline: str, mask: torch.Tensor | None) -> tuple[float, int]:
    pipe = parse_pipeline(pipeline)
    masks = None if mask is None else {"w": mask}
    start = time.perf_counter()
    payload = encode_pipeline(tensors={"w": tensor}, masks=masks, pipeline=pipe, rng=0)
    decode(
        payload, max_elements=tensor.numel(), known_masks=masks if pipe.mask == "known" else None
    )
    return time.perf_counter() - start, len(payload)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 repetitions instead of 25")
    args = parser.parse_args()
    torch.set_num_threads(1)
    reps = 5 if args.quick else 25
    w = torch.randn(1000, 1000, generator=torch.Generator().manual_seed(0)) * 0.05
    masks = {
        "pruned": topk_mask(w, fraction=0.1),
        "half": topk_mask(w, fraction=0.5),
    }
    dense_bytes = 4 * w.numel()
    times: dict[str, list[float]] = {name: [] for name in CASES}
    sizes: dict[str, int] = {}
    for pipeline, mask in CASES.values():  # warm-up
        run_once(w, pipeline, None if mask is None else masks[mask])
    for rep in range(reps):
        for name, (pipeline, mask) in CASES.items():
            seconds, size = run_once(w, pipeline, None if mask is None else masks[mask])
            times[name].append(seconds)
            sizes[name] = size
        print(f"rep {rep + 1}/{reps}", file=sys.stderr)
    base = statistics.median(times["dense fp32"])
    figures = {}
    for name, (pipeline, mask) in CASES.items():
        med = statistics.median(times[name])
        figures[name] = {
            "pipeline": pipeline,
            "mask": mask,
            "median_seconds_encode_plus_decode": med,
            "min_seconds": min(times[name]),
            "mb_per_s_dense_equivalent": dense_bytes / med / 1e6,
            "speed_ratio_vs_dense_fp32": base / med,
            "payload_bytes": sizes[name],
            "compression_vs_dense_fp32": dense_bytes / sizes[name],
        }
    settings = {
        "tensor": "1000x1000 float32 Gaussian, seed 0 (4 MB dense fp32)",
        "threads": "torch.set_num_threads(1); OMP/OPENBLAS/MKL_NUM_THREADS=1",
        "repetitions": reps,
        "masks": "pruned = top 10% |w|, half = top 50% |w|",
        "goal": "mb_per_s_dense_equivalent >= 200",
    }
    path = write_result("codec_throughput", figures=figures, settings=settings)
    header = ["case", "MB/s", "x dense fp32 speed", "payload B", "x smaller than fp32"]
    rows = [
        [
            name,
            f"{f['mb_per_s_dense_equivalent']:.0f}",
            f"{f['speed_ratio_vs_dense_fp32']:.2f}",
            f["payload_bytes"],
            f"{f['compression_vs_dense_fp32']:.1f}",
        ]
        for name, f in figures.items()
    ]
    print(markdown_table(header, rows))
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
