"""Cost to reach a target accuracy: the first round at or above it, bytes and seconds so far."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["TargetReach", "reach_target"]


@dataclass(frozen=True)
class TargetReach:
    """The first round whose accuracy is at least the target, with the cumulative bytes (up and
    down) and the seconds up to and including it: simulated seconds (``sim_seconds``) when the
    run simulated an edge, else the summed wall ``seconds``."""

    round: int
    bytes: int
    seconds: float


def reach_target(rows: Sequence[Mapping[str, Any]], *, target: float) -> TargetReach | None:
    """Where ``rows`` (``rounds.jsonl`` objects, in order) first reach ``target``; ``None`` if
    they never do."""
    if not 0 <= target <= 1:
        raise ValueError(f"target accuracy must be in [0, 1], got {target}")
    seconds = 0.0
    for row in rows:
        simulated = row.get("sim_seconds")
        seconds += float(row["seconds"] if simulated is None else simulated)
        if row["accuracy"] >= target:
            sent = int(row["bytes_up_total"]) + int(row["bytes_down_total"])
            return TargetReach(round=int(row["round"]), bytes=sent, seconds=seconds)
    return None
