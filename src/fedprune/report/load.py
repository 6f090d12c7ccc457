"""Reading run directories (``config.yaml``, ``rounds.jsonl``, ``summary.json``, ``masks/``)."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from safetensors import SafetensorError
from safetensors.numpy import load_file

__all__ = [
    "REQUIRED_ROUND_KEYS",
    "ReportError",
    "RunData",
    "load_run",
    "load_runs",
    "unique_labels",
]

# What every plot relies on; newer keys (layer_sparsity, client_*, epsilon) are optional.
REQUIRED_ROUND_KEYS = ("round", "accuracy", "bytes_up_total", "bytes_down_total")
_SNAPSHOT = re.compile(r"round_(\d+)\.safetensors")


class ReportError(ValueError):
    """A run directory that cannot be reported on, phrased as one line naming the file."""


@dataclass(frozen=True)
class RunData:
    """One finished run as read from its directory.

    ``label`` names the run in legends and tables; runs sharing a ``group`` (a compare variant)
    share a colour. ``snapshots`` maps a round to its global masks (uint8, 1 = kept).
    """

    path: Path
    label: str
    group: str
    rounds: list[dict[str, Any]]
    summary: dict[str, Any]
    config: dict[str, Any] = field(default_factory=dict)
    snapshots: dict[int, dict[str, np.ndarray]] = field(default_factory=dict)

    def cumulative_bytes(self) -> list[int]:
        """Bytes up plus down sent up to and including each round."""
        return [int(r["bytes_up_total"]) + int(r["bytes_down_total"]) for r in self.rounds]


def _json_object(path: Path, text: str, where: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReportError(f"{where}: not valid JSON ({exc.msg})") from None
    if not isinstance(value, dict):
        raise ReportError(f"{where}: expected a JSON object, got {type(value).__name__}")
    return value


def _read_rounds(path: Path) -> list[dict[str, Any]]:
    file = path / "rounds.jsonl"
    if not file.is_file():
        raise ReportError(f"{path}: no rounds.jsonl (not a fedprune run directory?)")
    rows = []
    for i, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        row = _json_object(file, line, f"{file} line {i}")
        missing = [k for k in REQUIRED_ROUND_KEYS if k not in row]
        if missing:
            raise ReportError(f"{file} line {i}: missing {', '.join(missing)}")
        rows.append(row)
    if not rows:
        raise ReportError(f"{file}: no rounds recorded")
    return rows


def _read_summary(path: Path) -> dict[str, Any]:
    file = path / "summary.json"
    if not file.is_file():
        raise ReportError(f"{path}: no summary.json (the run did not finish?)")
    return _json_object(file, file.read_text(encoding="utf-8"), str(file))


def _read_config(path: Path) -> dict[str, Any]:
    file = path / "config.yaml"
    if not file.is_file():
        return {}
    try:
        value = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError:
        raise ReportError(f"{file}: not valid YAML") from None
    if not isinstance(value, dict):
        raise ReportError(f"{file}: expected a mapping of config sections")
    return value


def _read_snapshots(path: Path) -> dict[int, dict[str, np.ndarray]]:
    folder = path / "masks"
    out: dict[int, dict[str, np.ndarray]] = {}
    for file in sorted(folder.glob("*.safetensors")) if folder.is_dir() else []:
        match = _SNAPSHOT.fullmatch(file.name)
        if match is None:
            raise ReportError(f"{file}: mask snapshots are named round_NNNN.safetensors")
        try:
            arrays = load_file(str(file))
        except (SafetensorError, OSError, ValueError) as exc:
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ReportError(f"{file}: not a readable mask snapshot ({first})") from None
        out[int(match.group(1))] = arrays
    return out


def load_run(path: Path, *, label: str | None = None, group: str | None = None) -> RunData:
    """Read one run directory; ``ReportError`` names the first problem (missing or bad file).

    Parameters
    ----------
    path:
        A directory written by ``fedprune run`` (or ``compare``).
    label, group:
        Legend name and colour group; both default to the directory's name.
    """
    if not path.exists():
        raise ReportError(f"run directory not found: {path}")
    if not path.is_dir():
        raise ReportError(f"not a run directory (a file): {path}")
    name = label or path.name
    return RunData(
        path=path,
        label=name,
        group=group or name,
        rounds=_read_rounds(path),
        summary=_read_summary(path),
        config=_read_config(path),
        snapshots=_read_snapshots(path),
    )


def unique_labels(paths: Sequence[Path]) -> list[str]:
    """For each path, its shortest trailing parts that no other path ends in (``a/seed-0``)."""
    parts = [p.resolve().parts for p in paths]

    def label(i: int) -> str:
        mine = parts[i]
        for depth in range(1, len(mine) + 1):
            if all(other[-depth:] != mine[-depth:] for j, other in enumerate(parts) if j != i):
                return "/".join(mine[-depth:])
        return str(paths[i])  # the same directory twice

    return [label(i) for i in range(len(paths))]


def load_runs(paths: Sequence[Path]) -> list[RunData]:
    """Read several run directories, labelled so that no two legends read the same."""
    if not paths:
        raise ReportError("no run directories given")
    return [load_run(p, label=label) for p, label in zip(paths, unique_labels(paths), strict=True)]
