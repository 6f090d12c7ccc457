"""Run directory: resolved config, one JSON line per round, mask snapshots and the summary."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from safetensors.numpy import save_file
from torch import Tensor

# Rounds between mask snapshots; the last round is always kept.
REPORT_EVERY = 5


def snapshot_name(rnd: int) -> str:
    """File name of round ``rnd``'s mask snapshot inside ``masks/``."""
    return f"round_{rnd:04d}.safetensors"


def read_rounds(path: Path, *, upto: int) -> list[dict[str, Any]]:
    """The rows of rounds ``1..upto`` from a ``rounds.jsonl``; lines after them (maybe cut off
    by a crash) are not read. ``ValueError`` when a row is missing or out of order."""
    rows: list[dict[str, Any]] = []
    if upto == 0:
        return rows
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if len(rows) == upto:
                break
            row = json.loads(line)
            if row.get("round") != len(rows) + 1:
                raise ValueError(f"{path}: row {len(rows) + 1} is round {row.get('round')}")
            rows.append(row)
    if len(rows) < upto:
        raise ValueError(f"{path} has {len(rows)} rounds, the checkpoint is after round {upto}")
    return rows


class RunWriter:
    """Writes ``config.yaml``, ``rounds.jsonl`` (flushed every round), mask snapshots in
    ``masks/`` (every ``report_every`` rounds and the last) and ``summary.json``."""

    def __init__(
        self,
        *,
        out: Path,
        config: Mapping[str, Any],
        report_every: int = REPORT_EVERY,
        rows: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        if report_every < 1:
            raise ValueError(f"report_every must be >= 1, got {report_every}")
        out.mkdir(parents=True, exist_ok=True)
        self.out = out
        self.report_every = report_every
        (out / "config.yaml").write_text(yaml.safe_dump(dict(config), sort_keys=False))
        # a resumed run starts from the rows of its checkpoint: later ones are dropped at once
        kept = "".join(json.dumps(row) + "\n" for row in rows)
        tmp = out / ".rounds.jsonl.tmp"
        tmp.write_text(kept, encoding="utf-8")
        tmp.replace(out / "rounds.jsonl")
        self._rounds = (out / "rounds.jsonl").open("a", encoding="utf-8")

    def round(self, row: Mapping[str, Any]) -> None:
        """Append one round's row; flushed so a crash keeps every finished round."""
        self._rounds.write(json.dumps(row) + "\n")
        self._rounds.flush()

    def masks(self, *, rnd: int, masks: Mapping[str, Tensor], last: bool = False) -> Path | None:
        """Save the global keep-masks as ``masks/round_NNNN.safetensors`` (uint8, no pickle)
        when ``rnd`` is a multiple of ``report_every`` or ``last``; the path, or ``None``."""
        if not (last or rnd % self.report_every == 0) or not masks:
            return None
        path = self.out / "masks" / snapshot_name(rnd)
        path.parent.mkdir(exist_ok=True)
        arrays = {
            n: np.ascontiguousarray(m.cpu().numpy().astype(np.uint8)) for n, m in masks.items()
        }
        save_file(arrays, str(path), metadata={"round": str(rnd)})
        return path

    def summary(self, summary: Mapping[str, Any]) -> None:
        """Write ``summary.json`` and close the round log."""
        (self.out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
        self.close()

    def close(self) -> None:
        """Close the round log (idempotent)."""
        if not self._rounds.closed:
            self._rounds.close()
