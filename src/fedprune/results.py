"""Run directory: resolved config, one JSON line per round, and the summary."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml


class RunWriter:
    """Writes ``config.yaml``, ``rounds.jsonl`` (flushed every round) and ``summary.json``."""

    def __init__(self, *, out: Path, config: Mapping[str, Any]) -> None:
        out.mkdir(parents=True, exist_ok=True)
        self.out = out
        (out / "config.yaml").write_text(yaml.safe_dump(dict(config), sort_keys=False))
        self._rounds = (out / "rounds.jsonl").open("w", encoding="utf-8")

    def round(self, row: Mapping[str, Any]) -> None:
        """Append one round's row; flushed so a crash keeps every finished round."""
        self._rounds.write(json.dumps(row) + "\n")
        self._rounds.flush()

    def summary(self, summary: Mapping[str, Any]) -> None:
        """Write ``summary.json`` and close the round log."""
        (self.out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
        self.close()

    def close(self) -> None:
        """Close the round log (idempotent)."""
        if not self._rounds.closed:
            self._rounds.close()
