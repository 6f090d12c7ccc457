"""Secure aggregation in the federation: an engine wrapper and the server's unmasking step.

``SecureAggregation`` wraps the engine that runs the clients. Before they train it runs the
key rounds (advertise, share keys) for the sampled clients; around each client's work it
turns the trained model, on the client, into its secure input (the change on the kept entries
of the shared global mask, fixed-point encoded and weighted by the example count, followed by
the count) and uploads only the masked vector. After the round ``collect`` unmasks the sum and
hands the strategy the weighted mean, the one model the server learns. Every protocol message
is recorded in the ledger under its client and direction.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torch import Tensor

from fedprune.codec import decode
from fedprune.engine import Engine
from fedprune.engine.base import ClientWork
from fedprune.ledger import Ledger
from fedprune.messages import ClientJob, ClientReply, GlobalModel, Update
from fedprune.payload import unpack_delta, unpack_model
from fedprune.secagg.fixed_point import FixedPoint, to_ring
from fedprune.secagg.messages import SecAggError
from fedprune.secagg.protocol import Session
from fedprune.secagg.vector import flatten, kept_length, unflatten

if TYPE_CHECKING:
    from fedprune.config import ExperimentConfig

log = logging.getLogger(__name__)

DROPPED = "dropped out of secure aggregation (simulated)"


def default_threshold(holders: int) -> int:
    """Shares needed to rebuild a secret when unset: two thirds of its holders, rounded up
    (Bonawitz et al.'s choice, which also tolerates a third of them dropping out)."""
    return max(1, math.ceil(2 * holders / 3))


def holders(*, clients: int, neighbours: int | None) -> int:
    """Holders of each client's shares: every client, or its k neighbours and itself."""
    return clients if neighbours is None else min(clients, neighbours + 1)


def expected_clients(cfg: ExperimentConfig) -> int:
    """Clients sampled a round (``clients_per_round``, or ``fraction`` of the clients)."""
    f, n = cfg.federation, cfg.data.num_clients
    return f.clients_per_round or max(1, round((f.fraction or 0.0) * n))


def from_config(
    cfg: ExperimentConfig,
    *,
    engine: Engine,
    ledger: Ledger,
    prunable: Sequence[str],
    max_elements: int,
) -> SecureAggregation | None:
    """``engine`` wrapped as ``cfg.secagg`` says, or None when secure aggregation is off."""
    s = cfg.secagg
    if not s.enabled:
        return None
    return SecureAggregation(
        inner=engine,
        ledger=ledger,
        prunable=prunable,
        max_elements=max_elements,
        clients_per_round=expected_clients(cfg),
        threshold=s.threshold,
        dropout=s.dropout,
        bits=s.bits,
        clip=s.clip,
        max_examples=s.max_examples,
        neighbours=s.neighbours,
        delta_payloads=cfg.codec.delta,
        seed=cfg.seed,
    )


def decode_downlink(
    payload: bytes, *, prunable: Sequence[str], max_elements: int
) -> tuple[dict[str, Tensor], dict[str, Tensor]]:
    """The global model a downlink carries and the shared mask of every prunable tensor."""
    got = decode(payload, max_elements=max_elements)
    masks = {
        n: got.masks.get(n, torch.ones(got.tensors[n].shape, dtype=torch.bool))
        for n in prunable
        if n in got.tensors
    }
    return got.tensors, masks


class SecureAggregation(Engine):
    """Runs ``inner``'s rounds under secure aggregation (see the module docstring).

    ``dropout`` of each round's clients, drawn from ``(seed, round)``, drop out after the key
    rounds: they never send a masked input nor answer the unmasking. A client whose work fails
    is a dropout too. ``delta_payloads`` says whether client payloads carry deltas
    (``codec.delta``); ``max_examples`` caps a client's weight (its example count), a public
    bound the fixed point needs. Works with in-process engines: the clients' protocol state
    lives in this object.
    """

    def __init__(
        self,
        *,
        inner: Engine,
        ledger: Ledger,
        prunable: Sequence[str],
        max_elements: int,
        clients_per_round: int,
        threshold: int | None = None,
        dropout: float = 0.0,
        bits: int = 64,
        clip: float = 1.0,
        max_examples: int = 65536,
        neighbours: int | None = None,
        delta_payloads: bool = False,
        seed: int = 0,
    ) -> None:
        if not 0 <= dropout < 1:
            raise ValueError(f"dropout must be in [0, 1), got {dropout}")
        self.inner, self.ledger, self.prunable = inner, ledger, list(prunable)
        self.max_elements, self.threshold, self.dropout = max_elements, threshold, dropout
        self.bits, self.max_examples, self.neighbours = bits, max_examples, neighbours
        self.delta_payloads, self.seed = delta_payloads, seed
        self.fixed = FixedPoint.for_sum(
            bits=bits, clip=clip, total_weight=clients_per_round * max_examples
        )
        log.info("secure aggregation: %d-bit ring, resolution %.3g", bits, self.fixed.resolution)
        self.session: Session | None = None
        self.downlink = b""

    def dropouts(self, *, rnd: int, clients: Sequence[int]) -> set[int]:
        """The clients that drop out in round ``rnd``: ``round(dropout * n)`` of them."""
        count = math.floor(self.dropout * len(clients) + 0.5)
        rng = np.random.default_rng([self.seed, rnd, 0x5EC466])
        return {int(c) for c in rng.choice(sorted(clients), size=count, replace=False)}

    def run(self, *, jobs: Sequence[ClientJob], work: ClientWork) -> list[ClientReply]:
        """Key rounds for the jobs' clients, then their work, each ending in a masked input."""
        if not jobs:
            return []
        rnd, clients = jobs[0].rnd, [j.cid for j in jobs]
        size = holders(clients=len(clients), neighbours=self.neighbours)
        self.session = Session(
            clients=clients,
            threshold=self.threshold or default_threshold(size),
            bits=self.bits,
            rnd=rnd,
            neighbours=self.neighbours,
            graph_seed=[self.seed, rnd],
            record=lambda cid, d, p: self.ledger.record(rnd=rnd, cid=cid, direction=d, payload=p),
        )
        self.session.setup()
        self.downlink = jobs[0].downlink
        dropped = self.dropouts(rnd=rnd, clients=clients)
        return self.inner.run(jobs=jobs, work=partial(self._client, work=work, dropped=dropped))

    def _client(self, job: ClientJob, *, work: ClientWork, dropped: set[int]) -> ClientReply:
        """Client side: train, then upload only the masked secure input."""
        if job.cid in dropped:
            return ClientReply(cid=job.cid, payload=b"", num_examples=0, error=DROPPED)
        reply = work(job)
        if reply.error is not None:
            return reply
        if self.session is None:
            raise SecAggError("a client job ran outside a secure-aggregation round")
        base, masks = decode_downlink(
            job.downlink, prunable=self.prunable, max_elements=self.max_elements
        )
        if self.delta_payloads:
            trained = unpack_delta(payload=reply.payload, base=base, masks=masks)
        else:
            trained, _ = unpack_model(payload=reply.payload, reference=base, prunable=list(masks))
        delta = {n: trained[n].double() - base[n].double() for n in base}
        x = flatten(tensors=delta, masks=masks)
        clipped = int(np.count_nonzero(np.abs(x) > self.fixed.clip))
        if clipped:
            log.warning(
                "round %d: client %d clipped %d of %d update entries to secagg.clip = %g",
                job.rnd,
                job.cid,
                clipped,
                len(x),
                self.fixed.clip,
            )
        weight = min(reply.num_examples, self.max_examples)
        ring = np.concatenate(
            [self.fixed.encode(x, weight=weight), to_ring(np.array([weight]), bits=self.bits)]
        )
        payload = self.session.masked_input(job.cid, ring)
        # the example count travels inside the secure sum only
        return ClientReply(cid=job.cid, payload=payload, num_examples=0, metrics=reply.metrics)

    def collect(
        self, *, rnd: int, replies: Sequence[ClientReply], model: GlobalModel
    ) -> tuple[list[Update], list[dict[str, Any]]]:
        """Unmask the round's sum. Returns one update per survivor, each carrying the weighted
        mean (so any mean-based strategy gets it exactly), and the refused clients with why;
        no updates when too few survived to unmask."""
        if self.session is None:
            raise SecAggError("collect called before run")
        base, masks = decode_downlink(
            self.downlink, prunable=self.prunable, max_elements=self.max_elements
        )
        masked = {r.cid: r.payload for r in replies if r.error is None}
        try:
            outcome = self.session.finish(masked, length=kept_length(like=base, masks=masks) + 1)
        except SecAggError as exc:
            log.warning("round %d: secure aggregation failed: %s", rnd, exc)
            return [], [{"cid": c, "reason": f"secure aggregation: {exc}"} for c in sorted(masked)]
        finally:
            self.session = None
        rejected: list[dict[str, Any]] = [
            {"cid": c, "reason": why} for c, why in outcome.rejected.items()
        ]
        total = self.fixed.decode_int(outcome.total)
        weight = int(total[-1])
        if weight <= 0:
            return [], [*rejected, {"cid": -1, "reason": "secure sum of weights is not > 0"}]
        mean = unflatten(
            total[:-1].astype(np.float64) / self.fixed.scale / weight,
            like={n: t.double() for n, t in base.items()},
            masks=masks,
        )
        params = {n: (base[n].double() + mean[n]).to(model.params[n].dtype) for n in base}
        metrics = {r.cid: r.metrics for r in replies}
        updates = [
            Update(cid=c, num_examples=1, params=params, masks=model.masks, metrics=metrics[c])
            for c in outcome.survivors
        ]
        return updates, rejected

    def close(self) -> None:
        self.inner.close()
