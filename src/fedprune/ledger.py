"""The byte ledger: the real length of every payload, per round, client and direction."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import torch
from torch import Tensor

Direction = Literal["up", "down"]
_DIRECTIONS: tuple[Direction, Direction] = ("up", "down")


@dataclass(frozen=True)
class Entry:
    """One payload that crossed (or would cross) the wire."""

    rnd: int
    cid: int
    direction: Direction
    nbytes: int


class Ledger:
    """Append-only record of payload lengths; totals are sums of what was recorded."""

    def __init__(self) -> None:
        self.entries: list[Entry] = []

    def record(self, *, rnd: int, cid: int, direction: Direction, payload: bytes) -> None:
        """Record ``len(payload)``; the ledger never estimates sizes."""
        self.entries.append(Entry(rnd=rnd, cid=cid, direction=direction, nbytes=len(payload)))

    def total(self, *, direction: Direction, rnd: int | None = None) -> int:
        """Bytes in ``direction``, for one round or the whole run."""
        return sum(
            e.nbytes
            for e in self.entries
            if e.direction == direction and (rnd is None or e.rnd == rnd)
        )

    def state_dict(self) -> dict[str, Tensor]:
        """``{"entries": int64 tensor}``, one ``(round, client, direction, bytes)`` row per
        entry with direction 0 = up, 1 = down (a tensor: a long run records many entries)."""
        rows = [[e.rnd, e.cid, _DIRECTIONS.index(e.direction), e.nbytes] for e in self.entries]
        return {"entries": torch.tensor(rows, dtype=torch.int64).reshape(-1, 4)}

    def load_state_dict(self, state: Mapping[str, Tensor]) -> None:
        """Replace the entries with those of ``state_dict()``; ``ValueError`` if malformed."""
        rows = state["entries"]
        if rows.dim() != 2 or rows.shape[1] != 4 or rows.is_floating_point():
            raise ValueError(f"ledger entries must be an (n, 4) integer tensor, got {rows.shape}")
        if len(rows) and not (bool((rows[:, 2:] >= 0).all()) and int(rows[:, 2].max()) <= 1):
            raise ValueError("ledger entries have a bad direction or a negative byte count")
        self.entries = [
            Entry(rnd=r, cid=c, direction=_DIRECTIONS[d], nbytes=n) for r, c, d, n in rows.tolist()
        ]

    def per_client(self, *, direction: Direction) -> dict[int, int]:
        """Bytes in ``direction`` summed per client over the run."""
        out: dict[int, int] = defaultdict(int)
        for e in self.entries:
            if e.direction == direction:
                out[e.cid] += e.nbytes
        return dict(out)
