"""One secure-aggregation round in memory: every message goes through its bytes and is counted.

The rounds (Bonawitz et al. 2017, https://eprint.iacr.org/2017/281): advertise keys ->
share keys -> masked input -> unmasking. ``Session`` holds a ``SecAggClient`` per client and
the ``SecAggServer``; each message is serialised by its sender, reported to ``record`` (so a
byte ledger sees its real length) and parsed back by its receiver. The masked-input step is
split out so a client can compute its input after ``setup`` (e.g. after local training).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from fedprune.secagg.client import SecAggClient
from fedprune.secagg.messages import (
    AdvertiseKeys,
    KeyList,
    MaskedInput,
    Message,
    SecAggError,
    ShareBundle,
    UnmaskRequest,
    UnmaskShares,
)
from fedprune.secagg.server import SecAggServer

Direction = Literal["up", "down"]
Record = Callable[[int, Direction, bytes], None]


def _ignore(cid: int, direction: Direction, payload: bytes) -> None:
    pass


@dataclass(frozen=True)
class Outcome:
    """The round's sum (ring elements), who it sums, and masked inputs refused (by client)."""

    total: np.ndarray
    survivors: tuple[int, ...]
    rejected: dict[int, str] = field(default_factory=dict)


class Session:
    """Client and server state machines for one round of ``clients``.

    Parameters mirror ``SecAggServer``; ``randbytes`` feeds every client's keys and seeds and
    ``record(cid, direction, payload)`` sees every message that crosses the wire.
    """

    def __init__(
        self,
        *,
        clients: Sequence[int],
        threshold: int,
        bits: int = 64,
        rnd: int = 0,
        neighbours: int | None = None,
        graph_seed: int | Sequence[int] = 0,
        randbytes: Callable[[int], bytes] = os.urandom,
        record: Record = _ignore,
    ) -> None:
        self.bits, self.record = bits, record
        self.server = SecAggServer(
            threshold=threshold, bits=bits, rnd=rnd, neighbours=neighbours, graph_seed=graph_seed
        )
        self.clients = {
            c: SecAggClient(cid=c, threshold=threshold, bits=bits, rnd=rnd, randbytes=randbytes)
            for c in sorted(clients)
        }
        self.routed: dict[int, ShareBundle] = {}
        self.stage_bytes: Counter[str] = Counter()

    def _send(self, cid: int, direction: Direction, message: Message) -> bytes:
        data = message.to_bytes()
        self.record(cid, direction, data)
        self.stage_bytes[f"{type(message).__name__} {direction}"] += len(data)
        return data

    def setup(self) -> None:
        """Rounds 0 and 1: keys advertised and listed, shares sealed and routed."""
        adverts = [
            AdvertiseKeys.from_bytes(self._send(c, "up", client.advertise()))
            for c, client in self.clients.items()
        ]
        bundles = []
        for c, key_list in self.server.collect_keys(adverts).items():
            received = KeyList.from_bytes(self._send(c, "down", key_list))
            sent = self.clients[c].share_keys(received)
            bundles.append(ShareBundle.from_bytes(self._send(c, "up", sent)))
        self.routed = {
            c: ShareBundle.from_bytes(self._send(c, "down", b))
            for c, b in self.server.route_shares(bundles).items()
        }

    def masked_input(self, cid: int, vector: np.ndarray) -> bytes:
        """Round 2 on client ``cid``: the bytes of its masked ``vector`` (not yet sent)."""
        if cid not in self.routed:
            raise SecAggError(f"client {cid} has no shares: call setup() first")
        return self.clients[cid].masked_input(self.routed[cid], vector).to_bytes()

    def finish(
        self,
        masked: Mapping[int, bytes],
        *,
        length: int,
        responders: Collection[int] | None = None,
    ) -> Outcome:
        """Rounds 2 and 3: the server receives ``masked`` (client -> bytes; absent clients
        dropped out), asks the survivors for shares (``responders`` answer; default all) and
        returns the sum. A masked input that does not parse or fit is refused, its sender
        treated as dropped; ``SecAggError`` when too few remain to unmask."""
        inputs, rejected = [], {}
        for cid, data in sorted(masked.items()):
            self.record(cid, "up", data)
            self.stage_bytes["MaskedInput up"] += len(data)
            try:
                m = MaskedInput.from_bytes(data)
                if m.cid != cid or m.bits != self.bits or len(m.vector) != length:
                    raise SecAggError(f"not a {length} x {self.bits}-bit input from client {cid}")
            except SecAggError as exc:
                rejected[cid] = str(exc)
                continue
            inputs.append(m)
        requests = self.server.collect_masked(inputs, length=length)
        responses = []
        for u, request in requests.items():
            if responders is not None and u not in responders:
                continue
            asked = UnmaskRequest.from_bytes(self._send(u, "down", request))
            try:
                answer = self.clients[u].unmask(asked)
            except SecAggError:  # the client aborts: to the server, it does not answer
                continue
            responses.append(UnmaskShares.from_bytes(self._send(u, "up", answer)))
        total = self.server.unmask(responses)
        return Outcome(total=total, survivors=tuple(sorted(requests)), rejected=rejected)


def secure_sum(
    inputs: Mapping[int, np.ndarray],
    *,
    threshold: int,
    bits: int = 64,
    dropped: Collection[int] = (),
    neighbours: int | None = None,
    rnd: int = 0,
    randbytes: Callable[[int], bytes] = os.urandom,
    record: Record = _ignore,
) -> Outcome:
    """The sum of ``inputs`` (ring vectors of equal length) over the clients not in
    ``dropped``, who drop out after sharing their keys; a whole round through ``Session``."""
    lengths = {len(v) for v in inputs.values()}
    if len(lengths) != 1:
        raise ValueError("inputs must be non-empty and of one length")
    session = Session(
        clients=list(inputs),
        threshold=threshold,
        bits=bits,
        rnd=rnd,
        neighbours=neighbours,
        randbytes=randbytes,
        record=record,
    )
    session.setup()
    masked = {c: session.masked_input(c, v) for c, v in inputs.items() if c not in dropped}
    return session.finish(masked, length=lengths.pop())
