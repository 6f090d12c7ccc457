"""FEMNIST (LEAF, Caldas et al. 2018) from local LEAF JSON files, with each sample's writer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from fedprune.data.base import DATASETS, ArrayDataset, DataSplit

__all__ = ["NUM_CLASSES", "load_femnist"]

NUM_CLASSES = 62  # 10 digits, 26 upper-case and 26 lower-case letters
SIDE = 28
PARTS = ("train", "test")

# One writer's samples, as read from a file: (writer id, pixels (n, 784), labels (n,)).
_Writer = tuple[str, np.ndarray, np.ndarray]


@DATASETS.register("femnist")
def load_femnist(*, root: str | None = None) -> DataSplit:
    """Load FEMNIST from LEAF's ``root/train/*.json`` and ``root/test/*.json``.

    Images become float32 ``(N, 1, 28, 28)`` in ``[0, 1]``. LEAF stores white paper as 1.0 and
    ink near 0; the pixels are inverted (``1 - v``) so ink is high and the background 0, as in
    MNIST. ``groups`` holds each sample's writer as an index into the sorted writer ids of train
    and test together, so the ``natural`` partitioner can give each client one writer.
    https://arxiv.org/abs/1812.01097
    """
    if root is None:
        raise ValueError(
            "root is required for dataset 'femnist': pass the LEAF femnist data directory "
            "holding train/*.json and test/*.json (from LEAF's preprocess.sh)"
        )
    writers = {part: _read_part(Path(root) / part) for part in PARTS}
    ids = sorted({writer for part in PARTS for writer, _, _ in writers[part]})
    index = {writer: i for i, writer in enumerate(ids)}
    datasets = {}
    for part in PARTS:
        rows = writers[part]
        datasets[part] = ArrayDataset(
            x=(1 - np.concatenate([x for _, x, _ in rows])).reshape(-1, 1, SIDE, SIDE),
            y=np.concatenate([y for _, _, y in rows]),
            num_classes=NUM_CLASSES,
            name="femnist",
            groups=np.concatenate(
                [np.full(len(y), index[writer], dtype=np.int64) for writer, _, y in rows]
            ),
        )
    return DataSplit(train=datasets["train"], test=datasets["test"])


def _read_part(folder: Path) -> list[_Writer]:
    files = sorted(folder.glob("*.json"))
    if not files:
        raise FileNotFoundError(
            f"{folder}: no *.json files; pass root= the LEAF femnist data directory holding "
            "train/*.json and test/*.json"
        )
    rows: list[_Writer] = []
    seen: dict[str, Path] = {}
    for path in files:
        for row in _read_file(path):
            if row[0] in seen:
                raise ValueError(f"{path}: writer {row[0]!r} already appears in {seen[row[0]]}")
            seen[row[0]] = path
            rows.append(row)
    if not any(len(y) for _, _, y in rows):
        raise ValueError(f"{folder}: the JSON files hold no samples")
    return rows


def _read_file(path: Path) -> list[_Writer]:
    """Parse and check one LEAF JSON file: ``users``, ``num_samples`` and ``user_data``."""
    try:
        with path.open("rb") as f:
            doc = json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ValueError(f"{path}: not valid JSON ({err})") from err
    if not isinstance(doc, dict) or not {"users", "num_samples", "user_data"} <= doc.keys():
        raise ValueError(
            f"{path}: expected a JSON object with keys 'users', 'num_samples' and 'user_data'"
        )
    users, counts, data = doc["users"], doc["num_samples"], doc["user_data"]
    if not isinstance(users, list) or not all(isinstance(u, str) for u in users):
        raise ValueError(f"{path}: 'users' must be a list of writer id strings")
    if len(set(users)) != len(users):
        raise ValueError(f"{path}: 'users' lists a writer twice")
    if not isinstance(counts, list) or len(counts) != len(users):
        raise ValueError(f"{path}: 'num_samples' must be a list with one count per user")
    if not isinstance(data, dict) or set(data) != set(users):
        raise ValueError(f"{path}: 'user_data' must have exactly one entry per user in 'users'")
    return [
        _read_writer(path, user, count, data[user])
        for user, count in zip(users, counts, strict=True)
    ]


def _read_writer(path: Path, user: str, count: Any, entry: Any) -> _Writer:
    where = f"{path}: user {user!r}"
    if not isinstance(entry, dict) or not {"x", "y"} <= entry.keys():
        raise ValueError(f"{where}: expected an object with keys 'x' and 'y'")
    xs, ys = entry["x"], entry["y"]
    if not isinstance(xs, list) or not isinstance(ys, list) or len(xs) != len(ys):
        raise ValueError(f"{where}: 'x' and 'y' must be lists of equal length")
    if isinstance(count, bool) or count != len(ys):
        raise ValueError(f"{where}: num_samples says {count!r}, 'y' holds {len(ys)} samples")
    if not all(type(v) is int and 0 <= v < NUM_CLASSES for v in ys):
        raise ValueError(f"{where}: labels in 'y' must be integers in [0, {NUM_CLASSES})")
    y = np.array(ys, dtype=np.int64)
    try:
        # dtype inferred, so strings or nulls are refused, not converted
        x = np.array(xs) if xs else np.zeros((0, SIDE * SIDE))
    except ValueError:  # ragged rows
        x = np.array(None)
    if x.shape != (len(ys), SIDE * SIDE) or x.dtype.kind not in "iuf":
        raise ValueError(f"{where}: each image in 'x' must be a list of {SIDE * SIDE} numbers")
    x = x.astype(np.float32)
    if x.size and not (np.isfinite(x).all() and x.min() >= 0 and x.max() <= 1):
        raise ValueError(f"{where}: pixels must lie in [0, 1]")
    return user, x, y
