"""The client's side of one secure-aggregation round, as a small state machine.

Bonawitz et al. 2017, https://eprint.iacr.org/2017/281, figure 4 (semi-honest variant, without
the signatures and consistency check that guard against an active server):

0. ``advertise``: fresh public keys ``c_pk`` (share encryption) and ``s_pk`` (masks).
1. ``share_keys``: t-of-h Shamir shares of ``s_sk`` and of the self-mask seed ``b`` for the h
   share holders (the peers the server listed, and the client itself), each sealed for its
   holder.
2. ``masked_input``: ``y = x + PRG(b) + sum_{v < u} PRG(s_uv) - sum_{v > u} PRG(s_uv)`` over the
   peers whose shares arrived, in Z_{2^k}; the pairwise terms cancel in the sum.
3. ``unmask``: for each peer that sent its masked input the share of its ``b``, for each that
   dropped out the share of its ``s_sk``; never both for one peer.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import numpy as np

from fedprune.secagg.channel import open_shares, seal_shares
from fedprune.secagg.fixed_point import ring_dtype
from fedprune.secagg.keys import MASK_LABEL, SHARE_LABEL, RoundSecrets, agree
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
from fedprune.secagg.shamir import share_bytes

_STAGES = ("advertise", "share_keys", "masked_input", "unmask", "done")


def share_point(cid: int) -> int:
    """The Shamir x-coordinate of client ``cid`` (ids start at 0, points at 1)."""
    return cid + 1


class SecAggClient:
    """Client ``cid`` in round ``rnd``; ``threshold`` shares reconstruct each of its secrets.

    ``randbytes`` is the randomness for keys and seeds (``os.urandom``; fixed in tests).
    Calling a step out of order raises ``SecAggError``.
    """

    def __init__(
        self,
        *,
        cid: int,
        threshold: int,
        bits: int = 64,
        rnd: int = 0,
        randbytes: Callable[[int], bytes] = os.urandom,
    ) -> None:
        ring_dtype(bits)
        if threshold < 1:
            raise ValueError(f"threshold must be >= 1, got {threshold}")
        self.cid, self.threshold, self.bits, self.rnd = cid, threshold, bits, rnd
        self.randbytes = randbytes
        self.secrets = RoundSecrets.generate(randbytes=randbytes)
        self.stage = "advertise"
        self.peers: dict[int, AdvertiseKeys] = {}  # from the key list, self excluded
        self.held: dict[int, tuple[bytes, bytes]] = {}  # owner -> (s_sk share, b share)
        self.mask_peers: frozenset[int] = frozenset()

    def _enter(self, stage: str) -> None:
        if self.stage != stage:
            raise SecAggError(f"client {self.cid}: {stage} called during stage {self.stage}")
        self.stage = _STAGES[_STAGES.index(stage) + 1]

    def advertise(self) -> AdvertiseKeys:
        """Round 0: the public keys."""
        self._enter("advertise")
        return AdvertiseKeys(cid=self.cid, c_pk=self.secrets.c_pk, s_pk=self.secrets.s_pk)

    def share_keys(self, keys: KeyList) -> ShareBundle:
        """Round 1: shares of ``s_sk`` and ``b`` for every holder, sealed per peer."""
        self._enter("share_keys")
        listed = {k.cid: k for k in keys.keys}
        own = listed.pop(self.cid, None)
        if own is None or (own.c_pk, own.s_pk) != (self.secrets.c_pk, self.secrets.s_pk):
            raise SecAggError(f"client {self.cid}: the key list does not hold its own keys")
        if len(listed) + 1 < self.threshold:
            raise SecAggError(
                f"client {self.cid}: {len(listed) + 1} share holders, below the threshold "
                f"of {self.threshold}"
            )
        self.peers = listed
        xs = [share_point(c) for c in sorted([*listed, self.cid])]
        rand = _randbelow(self.randbytes)
        s_shares = share_bytes(self.secrets.s_sk, threshold=self.threshold, xs=xs, randbelow=rand)
        b_shares = share_bytes(self.secrets.b, threshold=self.threshold, xs=xs, randbelow=rand)
        me = share_point(self.cid)
        self.held[self.cid] = (s_shares[me], b_shares[me])
        sealed = {}
        for v, pk in sorted(listed.items()):
            key = agree(
                private=self.secrets.c_sk, peer_public=pk.c_pk, label=SHARE_LABEL, rnd=self.rnd
            )
            point = share_point(v)
            sealed[v] = seal_shares(
                key=key,
                rnd=self.rnd,
                sender=self.cid,
                receiver=v,
                s_share=s_shares[point],
                b_share=b_shares[point],
            )
        return ShareBundle(cid=self.cid, ciphertexts=sealed)

    def masked_input(self, shares: ShareBundle, vector: np.ndarray) -> MaskedInput:
        """Round 2: open the peers' shares, then mask ``vector`` (ring elements)."""
        self._enter("masked_input")
        if shares.cid != self.cid:
            raise SecAggError(f"client {self.cid}: got the shares of client {shares.cid}")
        dtype = ring_dtype(self.bits)
        if vector.dtype != dtype or vector.ndim != 1:
            raise SecAggError(f"client {self.cid}: input must be a 1-D {dtype} vector")
        unknown = set(shares.ciphertexts) - set(self.peers)
        if unknown:
            raise SecAggError(f"client {self.cid}: shares from unknown clients {sorted(unknown)}")
        for v, ct in shares.ciphertexts.items():
            key = agree(
                private=self.secrets.c_sk,
                peer_public=self.peers[v].c_pk,
                label=SHARE_LABEL,
                rnd=self.rnd,
            )
            self.held[v] = open_shares(
                key=key, rnd=self.rnd, sender=v, receiver=self.cid, ciphertext=ct
            )
        self.mask_peers = frozenset(shares.ciphertexts)
        y = vector + expand(self.secrets.b, length=len(vector), bits=self.bits)
        for v in sorted(self.mask_peers):
            seed = agree(
                private=self.secrets.s_sk,
                peer_public=self.peers[v].s_pk,
                label=MASK_LABEL,
                rnd=self.rnd,
            )
            mask = expand(seed, length=len(vector), bits=self.bits)
            if v < self.cid:
                y += mask
            else:
                y -= mask
        return MaskedInput(cid=self.cid, bits=self.bits, vector=y)

    def unmask(self, request: UnmaskRequest) -> UnmaskShares:
        """Round 3: shares of ``b`` of survivors and of ``s_sk`` of dropped peers, after the
        checks that keep the server from learning both secrets of any client."""
        self._enter("unmask")
        survivors, dropped = set(request.survivors), set(request.dropped)
        if survivors & dropped:
            raise SecAggError(f"client {self.cid}: clients listed as survivor and dropped")
        if survivors | dropped != self.mask_peers | {self.cid} or self.cid not in survivors:
            raise SecAggError(f"client {self.cid}: the request does not match its peers")
        if len(survivors) < self.threshold:
            raise SecAggError(
                f"client {self.cid}: {len(survivors)} survivors, below the threshold of "
                f"{self.threshold}; refusing to unmask"
            )
        return UnmaskShares(
            cid=self.cid,
            b_shares={o: self.held[o][1] for o in sorted(survivors)},
            s_shares={o: self.held[o][0] for o in sorted(dropped)},
        )


def _randbelow(randbytes: Callable[[int], bytes]) -> Callable[[int], int]:
    """Uniform integers below ``n`` from ``randbytes`` (rejection sampling on whole bytes)."""

    def draw(n: int) -> int:
        size = (n.bit_length() + 7) // 8
        excess = size * 8 - n.bit_length()
        while True:
            value = int.from_bytes(randbytes(size), "big") >> excess
            if value < n:
                return value

    return draw
