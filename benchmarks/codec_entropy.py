"""Encoded size of a magnitude-pruned tensor against its empirical entropy bound.

Rerun: ``.venv/bin/python benchmarks/codec_entropy.py [--quick]``. Writes
``benchmarks/results/codec_entropy.json`` and prints a markdown table.

Bound (bits) = n * H(density) for the mask + k * H(empirical distribution of the int8 symbols
of the k kept values) + the frame's fixed bytes (header, table entry, CRC). Goal: ratio <= 1.05.
"""

from __future__ import annotations

import argparse
import math
import sys

import numpy as np
import torch
from common import markdown_table, write_result  # the script's folder is on sys.path

from fedprune.codec import encode_pipeline
from fedprune.codec.frame import read_frame, write_frame
from fedprune.codec.masks import encode_auto
from fedprune.codec.values.uniform import qmax_for

DENSITIES = [0.5, 0.2, 0.1, 0.05, 0.01]
PIPELINES = ["int8+zstd", "int8+ans"]


def binary_entropy(p: float) -> float:
    return 0.0 if p in (0.0, 1.0) else -(p * math.log2(p) + (1 - p) * math.log2(1 - p))


def symbol_entropy_bits(kept: np.ndarray) -> float:
    """k * H of the deterministic per-tensor int8 symbols of ``kept`` (the codec's quantiser)."""
    scale = np.float32(np.abs(kept).max() / qmax_for(8))
    q = np.clip(np.rint(kept / scale), -127, 127).astype(np.int64)
    counts = np.bincount(q + 127)
    p = counts[counts > 0] / q.size
    return float(-(counts[counts > 0] * np.log2(p)).sum())


def magnitude_mask(w: torch.Tensor, density: float) -> torch.Tensor:
    k = math.ceil(density * w.numel())
    threshold = w.abs().flatten().kthvalue(w.numel() - k + 1).values
    return w.abs() >= threshold


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a 100k tensor instead of 1M")
    args = parser.parse_args()
    shape = (316, 316) if args.quick else (1000, 1000)
    w = torch.randn(shape, generator=torch.Generator().manual_seed(0)) * 0.05
    n = w.numel()
    header = len(write_frame([("w", shape, (1, 1, 1), b"")]))
    figures = []
    for density in DENSITIES:
        mask = magnitude_mask(w, density)
        k = int(mask.sum())
        d = k / n
        kept = w[mask].numpy()
        mask_bound = n * binary_entropy(d) / 8
        value_bound = symbol_entropy_bits(kept) / 8
        bound = mask_bound + value_bound + header
        mask_enc, mask_section = encode_auto(mask.numpy().reshape(-1))
        row = {
            "density": d,
            "kept": k,
            "bound_bytes": round(bound, 1),
            "mask_bound_bytes": round(mask_bound, 1),
            "values_bound_bytes": round(value_bound, 1),
            "header_bytes": header,
            "mask_encoding": mask_enc.name,
            "mask_bytes": len(mask_section),
            "mask_ratio": len(mask_section) / mask_bound,
            "dense_fp32_bytes": 4 * n,
        }
        for pipeline in PIPELINES:
            payload = encode_pipeline(tensors={"w": w}, masks={"w": mask}, pipeline=pipeline)
            entry = read_frame(payload, max_elements=n)[0]
            row[pipeline] = {
                "bytes": len(payload),
                "ratio_to_bound": len(payload) / bound,
                "entropy_coder": entry.entropy.name,
                "compression_vs_dense_fp32": 4 * n / len(payload),
            }
        figures.append(row)
        print(f"density {d:.3f}: {row['int8+zstd']['ratio_to_bound']:.4f}", file=sys.stderr)
    settings = {
        "tensor": f"{shape} Gaussian N(0, 0.05^2), seed 0, magnitude-pruned (largest |w| kept)",
        "pipelines": PIPELINES,
        "quantiser": "int8 per tensor, round to nearest",
        "goal": "ratio_to_bound <= 1.05",
    }
    path = write_result("codec_entropy", figures={"rows": figures}, settings=settings)
    header_row = ["density", "kept", "bound B", "mask", "mask/H", *[f"{p} B" for p in PIPELINES]]
    header_row += [f"{p} / bound" for p in PIPELINES] + ["coder", "x vs fp32"]
    rows = [
        [
            f"{r['density']:.2f}",
            r["kept"],
            f"{r['bound_bytes']:.0f}",
            r["mask_encoding"],
            f"{r['mask_ratio']:.4f}",
            *[r[p]["bytes"] for p in PIPELINES],
            *[f"{r[p]['ratio_to_bound']:.4f}" for p in PIPELINES],
            r["int8+zstd"]["entropy_coder"],
            f"{r['int8+zstd']['compression_vs_dense_fp32']:.1f}",
        ]
        for r in figures
    ]
    print(markdown_table(header_row, rows))
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
