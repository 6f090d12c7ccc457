"""The server's side of one secure-aggregation round, as a small state machine.

Bonawitz et al. 2017, https://eprint.iacr.org/2017/281, figure 4, with SecAgg+'s neighbour
graph (Bell et al. 2020, https://eprint.iacr.org/2020/704) as an option. The server relays
keys and sealed shares, sums the masked inputs, and from the unmasking shares rebuilds each
survivor's self-mask seed ``b`` and each dropped client's mask key ``s_sk`` to strip what is
left of the masks. It learns the sum of the survivors' inputs and nothing else; a step whose
shares fall below the threshold raises ``SecAggError`` rather than return a wrong sum.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from fedprune.secagg.client import share_point
from fedprune.secagg.fixed_point import ring_dtype
from fedprune.secagg.graph import neighbours
from fedprune.secagg.keys import KEY_BYTES, MASK_LABEL, agree, public_key
from fedprune.secagg.messages import (
    AdvertiseKeys,
    KeyList,
    MaskedInput,
    SecAggError,
    ShareBundle,
    UnmaskRequest,
    UnmaskShares,
)
from fedprune.secagg.prg import expand
from fedprune.secagg.shamir import ShamirError, reconstruct_bytes


class SecAggServer:
    """Round ``rnd`` with ``threshold``-of-h sharing over ``bits``-bit rings; ``neighbours`` k
    (even) picks SecAgg+'s k-regular graph drawn from ``graph_seed``, None everyone."""

    def __init__(
        self,
        *,
        threshold: int,
        bits: int = 64,
        rnd: int = 0,
        neighbours: int | None = None,
        graph_seed: int | Sequence[int] = 0,
    ) -> None:
        ring_dtype(bits)
        if threshold < 1:
            raise ValueError(f"threshold must be >= 1, got {threshold}")
        self.threshold, self.bits, self.rnd = threshold, bits, rnd
        self.k, self.graph_seed = neighbours, graph_seed
        self.keys: dict[int, AdvertiseKeys] = {}
        self.graph: dict[int, frozenset[int]] = {}
        self.mask_peers: dict[int, frozenset[int]] = {}
        self.requests: dict[int, UnmaskRequest] = {}
        self.total: np.ndarray | None = None
        self.stage = "collect_keys"

    def _enter(self, stage: str, following: str) -> None:
        if self.stage != stage:
            raise SecAggError(f"server: {stage} called during stage {self.stage}")
        self.stage = following

    def _enough(self, count: int, what: str) -> None:
        if count < self.threshold:
            raise SecAggError(f"{count} {what}, below the threshold of {self.threshold}")

    def collect_keys(self, adverts: Sequence[AdvertiseKeys]) -> dict[int, KeyList]:
        """Round 0: each client's key list (its peers' keys and its own)."""
        self._enter("collect_keys", "route_shares")
        self.keys = {a.cid: a for a in adverts}
        if len(self.keys) != len(adverts):
            raise SecAggError("two clients advertised under one id")
        self._enough(len(self.keys), "clients advertised keys")
        self.graph = neighbours(list(self.keys), k=self.k, seed=self.graph_seed)
        holders = min(len(p) for p in self.graph.values()) + 1
        self._enough(holders, "share holders in a neighbourhood")
        return {
            c: KeyList(keys=tuple(self.keys[v] for v in sorted(peers | {c})))
            for c, peers in self.graph.items()
        }

    def route_shares(self, bundles: Sequence[ShareBundle]) -> dict[int, ShareBundle]:
        """Round 1: each sender's sealed shares, regrouped by receiver."""
        self._enter("route_shares", "collect_masked")
        senders = {b.cid: b for b in bundles}
        if len(senders) != len(bundles) or not senders.keys() <= self.keys.keys():
            raise SecAggError("shares from an unknown client, or twice from one")
        for cid, bundle in senders.items():
            if set(bundle.ciphertexts) != self.graph[cid]:
                raise SecAggError(f"client {cid} did not share with exactly its peers")
        self._enough(len(senders), "clients shared their keys")
        self.mask_peers = {c: self.graph[c] & senders.keys() for c in senders}
        return {
            u: ShareBundle(cid=u, ciphertexts={v: senders[v].ciphertexts[u] for v in sorted(p)})
            for u, p in self.mask_peers.items()
        }

    def collect_masked(
        self, inputs: Sequence[MaskedInput], *, length: int
    ) -> dict[int, UnmaskRequest]:
        """Round 2: sum the masked inputs (each ``length`` ring elements); each sender's
        unmasking request."""
        self._enter("collect_masked", "unmask")
        got = {m.cid: m for m in inputs}
        if len(got) != len(inputs) or not got.keys() <= self.mask_peers.keys():
            raise SecAggError("masked input from an unknown client, or twice from one")
        bad = [m.cid for m in inputs if m.bits != self.bits or len(m.vector) != length]
        if bad:
            raise SecAggError(f"masked inputs of clients {bad[:3]} are not {length} x {self.bits}")
        self._enough(len(got), "masked inputs")
        total = np.zeros(length, dtype=ring_dtype(self.bits))
        for m in inputs:
            total += m.vector
        self.total = total
        self.requests = {
            u: UnmaskRequest(
                survivors=tuple(sorted((self.mask_peers[u] | {u}) & got.keys())),
                dropped=tuple(sorted(self.mask_peers[u] - got.keys())),
            )
            for u in sorted(got)
        }
        return dict(self.requests)

    def unmask(self, responses: Sequence[UnmaskShares]) -> np.ndarray:
        """Round 3: the sum of the survivors' inputs, in Z_{2^bits}."""
        self._enter("unmask", "done")
        assert self.total is not None
        answers = {r.cid: r for r in responses}
        if len(answers) != len(responses) or not answers.keys() <= self.requests.keys():
            raise SecAggError("unmasking shares from a client that was not asked, or twice")
        for cid, r in answers.items():
            req = self.requests[cid]
            if set(r.b_shares) != set(req.survivors) or set(r.s_shares) != set(req.dropped):
                raise SecAggError(f"client {cid} did not answer its unmasking request")
        survivors = sorted(self.requests)
        dropped = sorted(set(self.mask_peers) - set(survivors))
        total = self.total.copy()
        length = len(total)
        for u in survivors:
            b = self._secret(u, {c: r.b_shares[u] for c, r in answers.items() if u in r.b_shares})
            total -= expand(b, length=length, bits=self.bits)
        for v in dropped:
            s_sk = self._secret(
                v, {c: r.s_shares[v] for c, r in answers.items() if v in r.s_shares}
            )
            if public_key(s_sk) != self.keys[v].s_pk:
                raise SecAggError(f"the shares of client {v}'s mask key do not rebuild it")
            for u in sorted(self.mask_peers[v] & set(survivors)):
                seed = agree(
                    private=s_sk, peer_public=self.keys[u].s_pk, label=MASK_LABEL, rnd=self.rnd
                )
                mask = expand(seed, length=length, bits=self.bits)
                # u added +PRG(s_uv) when v < u and -PRG(s_uv) when v > u
                if v < u:
                    total -= mask
                else:
                    total += mask
        return total

    def _secret(self, owner: int, shares: dict[int, bytes]) -> bytes:
        points = {share_point(c): y for c, y in shares.items()}
        try:
            return reconstruct_bytes(points, threshold=self.threshold, length=KEY_BYTES)
        except ShamirError as exc:
            raise SecAggError(f"cannot rebuild a secret of client {owner}: {exc}") from None
