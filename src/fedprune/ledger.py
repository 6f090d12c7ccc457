"""The byte ledger: the real length of every payload, per round, client and direction."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Literal

Direction = Literal["up", "down"]


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

    def per_client(self, *, direction: Direction) -> dict[int, int]:
        """Bytes in ``direction`` summed per client over the run."""
        out: dict[int, int] = defaultdict(int)
        for e in self.entries:
            if e.direction == direction:
                out[e.cid] += e.nbytes
        return dict(out)
