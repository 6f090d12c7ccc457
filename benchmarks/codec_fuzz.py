"""Decode >= 100,000 random and mutated payloads: every outcome must be tensors or CodecError.

Rerun: ``.venv/bin/python benchmarks/codec_fuzz.py [--quick] [--seed N]``. Writes
``benchmarks/results/codec_fuzz.json`` and prints a markdown table.

Valid payloads of every pipeline (masks bitmap/gaps/known, values fp32/fp16/bf16/int8/4/2 per
tensor or channel, ternary, entropy raw/zstd/ans) are mutated by bit flips (CRC left stale or
recomputed), byte overwrites, truncations, insertions, deletions, splices of two payloads,
and table edits (ids, dims, body lengths, name lengths, counts) with the CRC recomputed; plus
purely random bytes and random bodies behind a valid header.
"""

from __future__ import annotations

import argparse
import collections
import re
import struct
import sys
import time
import traceback
import zlib

import numpy as np
import torch
from common import markdown_table, write_result

from fedprune.codec import CodecError, decode, encode_pipeline

PIPELINES = [
    "fp32", "fp16", "bf16", "bitmap+fp32", "gaps+fp32", "fp32+zstd", "int8", "int8+zstd",
    "int8(channel)+ans", "int4+zstd", "int4(channel, stochastic)+ans", "int2+ans", "ternary+zstd",
    "topk(0.1)+int8+zstd", "topk(0.02)+ternary+ans", "mask-known+fp16+zstd",
    "mask-known+int8(channel)+ans",
]  # fmt: skip
MAX_ELEMENTS = 1 << 16


def samples(rng: np.random.Generator) -> list[tuple[str, bytes, dict[str, torch.Tensor]]]:
    out = []
    for pipeline in PIPELINES:
        for shape in [(8, 30), (3, 5, 7), (257,), ()]:
            gen = torch.Generator().manual_seed(int(rng.integers(1 << 30)))
            w = torch.randn(shape, generator=gen)
            density = float(rng.choice([0.02, 0.3, 0.9]))
            mask = torch.rand(shape, generator=gen) < density
            masks = None if pipeline.startswith("topk") else {"w": mask}
            tensors = {"w": w, "bias": torch.randn(4, generator=gen)}
            payload = encode_pipeline(tensors=tensors, masks=masks, pipeline=pipeline, rng=rng)
            out.append((pipeline, payload, {"w": mask}))
    return out


def fix_crc(body: bytes) -> bytes:
    return body + struct.pack("<I", zlib.crc32(body))


def table_offsets(payload: bytes) -> list[tuple[int, int]]:
    """(start of dims, ndim) of each table entry of a valid payload."""
    pos, out = 10, []
    (count,) = struct.unpack_from("<I", payload, 6)
    for _ in range(count):
        (name_len,) = struct.unpack_from("<H", payload, pos)
        pos += 2 + name_len
        ndim = payload[pos]
        out.append((pos + 1, ndim))
        pos += 1 + 4 * ndim + 11
    return out


def mutate(kind: str, payload: bytes, donor: bytes, rng: np.random.Generator) -> bytes:
    body = payload[:-4]
    i = int(rng.integers(len(body)))
    if kind == "flip, stale crc":
        bit = int(rng.integers(8 * len(payload)))
        out = bytearray(payload)
        out[bit // 8] ^= 1 << (bit % 8)
        return bytes(out)
    if kind == "flip":
        out = bytearray(body)
        for _ in range(int(rng.integers(1, 4))):
            bit = int(rng.integers(8 * len(body)))
            out[bit // 8] ^= 1 << (bit % 8)
        return fix_crc(bytes(out))
    if kind == "overwrite":
        n = int(rng.integers(1, 9))
        return fix_crc(body[:i] + rng.bytes(n) + body[i + n :])
    if kind == "truncate":
        return fix_crc(body[:i]) if rng.random() < 0.5 else payload[:i]
    if kind == "insert":
        return fix_crc(body[:i] + rng.bytes(int(rng.integers(1, 17))) + body[i:])
    if kind == "delete":
        return fix_crc(body[:i] + body[i + int(rng.integers(1, 17)) :])
    if kind == "splice":
        d = donor[:-4]
        return fix_crc(body[:i] + d[int(rng.integers(len(d))) :])
    if kind == "table edit":
        out = bytearray(body)
        entries = table_offsets(payload)
        dims_at, ndim = entries[int(rng.integers(len(entries)))]
        tail = dims_at + 4 * ndim
        field = rng.choice(["ids", "dim", "body_len", "name_len", "count", "ndim"])
        if field == "ids":
            out[tail + int(rng.integers(3))] = int(rng.integers(256))
        elif field == "dim" and ndim:
            at = dims_at + 4 * int(rng.integers(ndim))
            struct.pack_into("<I", out, at, int(rng.choice([0, 1, 2, 255, 1 << 16, 1 << 31])))
        elif field == "body_len":
            (old,) = struct.unpack_from("<Q", out, tail + 3)
            new = max(0, old + int(rng.integers(-9, 10))) if rng.random() < 0.8 else 1 << 62
            struct.pack_into("<Q", out, tail + 3, new)
        elif field == "name_len":
            struct.pack_into("<H", out, 10, int(rng.integers(0, 1 << 16)))
        elif field == "count":
            struct.pack_into("<I", out, 6, int(rng.integers(0, 5)))
        else:
            out[dims_at - 1] = int(rng.integers(0, 10))
        return fix_crc(bytes(out))
    if kind == "random bytes":
        return rng.bytes(int(rng.integers(0, 200)))
    # random body behind a valid header and CRC
    head = struct.pack("<4sBBI", b"FPRN", 2, 0, int(rng.integers(0, 4)))
    return fix_crc(head + rng.bytes(int(rng.integers(0, 200))))


KINDS = [
    "flip, stale crc", "flip", "overwrite", "truncate", "insert", "delete", "splice",
    "table edit", "random bytes", "random body",
]  # fmt: skip


def reason(exc: CodecError) -> str:
    """The error's kind without numbers or names, to count alike failures together."""
    text = re.sub(r"^tensor '[^']*': ", "", str(exc))
    text = re.sub(r"'[^']*'|\d+|0x[0-9a-f]+", "#", text)
    return text.split(":")[0][:60]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 payloads")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--count", type=int, default=120_000)
    args = parser.parse_args()
    total = 10_000 if args.quick else args.count
    rng = np.random.default_rng(args.seed)
    pool = samples(rng)
    outcomes: collections.Counter[str] = collections.Counter()
    reasons: collections.Counter[str] = collections.Counter()
    per_kind: dict[str, collections.Counter[str]] = {k: collections.Counter() for k in KINDS}
    crashes: list[dict[str, str]] = []
    slowest, slowest_kind = 0.0, ""
    started = time.perf_counter()
    for i in range(total):
        kind = KINDS[i % len(KINDS)]
        pipeline, payload, masks = pool[int(rng.integers(len(pool)))]
        donor = pool[int(rng.integers(len(pool)))][1]
        data = mutate(kind, payload, donor, rng)
        known = masks if rng.random() < 0.7 else None
        t0 = time.perf_counter()
        try:
            decode(data, max_elements=MAX_ELEMENTS, known_masks=known)
            outcome = "decoded"
        except CodecError as exc:
            outcome = "CodecError"
            reasons[reason(exc)] += 1
        except Exception as exc:  # what the run exists to find
            outcome = "other exception"
            if len(crashes) < 20:
                crashes.append(
                    {
                        "kind": kind,
                        "pipeline": pipeline,
                        "hex": data.hex(),
                        "error": "".join(traceback.format_exception_only(exc)).strip(),
                    }
                )
        elapsed = time.perf_counter() - t0
        if elapsed > slowest:
            slowest, slowest_kind = elapsed, f"{kind} of {pipeline}"
        outcomes[outcome] += 1
        per_kind[kind][outcome] += 1
        if (i + 1) % 20_000 == 0:
            print(f"{i + 1}/{total}: {dict(outcomes)}", file=sys.stderr)
    wall = time.perf_counter() - started
    figures = {
        "payloads": total,
        "outcomes": dict(outcomes),
        "other_exceptions": outcomes["other exception"],
        "max_seconds_per_decode": slowest,
        "slowest_case": slowest_kind,
        "mean_seconds_per_payload_incl_mutation": wall / total,
        "per_mutation": {k: dict(v) for k, v in per_kind.items()},
        "codec_error_reasons_top": dict(reasons.most_common(40)),
        "crash_examples": crashes,
    }
    settings = {
        "seed": args.seed,
        "pipelines": PIPELINES,
        "shapes": ["(8, 30)", "(3, 5, 7)", "(257,)", "()"],
        "max_elements": MAX_ELEMENTS,
        "known_masks": "the sender's masks for 70% of decodes, none otherwise",
        "goal": "zero non-CodecError exceptions, no hang",
    }
    path = write_result("codec_fuzz", figures=figures, settings=settings)
    rows = [[k, v.get("decoded", 0), v.get("CodecError", 0), v.get("other exception", 0)]
            for k, v in per_kind.items()]  # fmt: skip
    rows.append(["**all**", outcomes["decoded"], outcomes["CodecError"],
                 outcomes["other exception"]])  # fmt: skip
    print(markdown_table(["mutation", "decoded", "CodecError", "other exception"], rows))
    print(f"\nmax time per decode: {slowest * 1e3:.2f} ms ({slowest_kind}); wrote {path}")


if __name__ == "__main__":
    main()
