"""Edge simulation: availability, dropouts, device tiers and a deadline, in simulated seconds.

A client's round time follows PruneFL's time model (Jiang et al. 2022,
https://arxiv.org/abs/1909.12326): downlink bytes / its download rate + training MACs / its
compute rate + uplink bytes / its upload rate. Training MACs = 3 x forward MACs per example
(forward and a backward twice as costly) x examples x epochs, with the forward MACs of the
model's *current structure*: structured pruning makes clients faster, unstructured sparsity
does not (dense kernels). The round lasts until its slowest finishing client, or the deadline.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from fedprune.config import EdgeConfig, EdgeTier

# a fixed stream id so tier draws never collide with sampling streams of the same seed
_TIERS, _AVAILABLE, _DROPOUT = 0xED6E, 0xA7A1, 0xD209


def assign_tiers(*, num_clients: int, tiers: Sequence[EdgeTier], seed: int) -> np.ndarray:
    """Each client's tier index, drawn once from ``seed`` with the tiers' shares (pure)."""
    shares = np.array([t.share for t in tiers], dtype=np.float64)
    rng = np.random.default_rng([seed, _TIERS])
    return rng.choice(len(tiers), size=num_clients, p=shares / shares.sum())


def available_clients(*, num_clients: int, availability: float, seed: int, rnd: int) -> list[int]:
    """Clients online in round ``rnd``, each with probability ``availability`` (pure)."""
    rng = np.random.default_rng([seed, rnd, _AVAILABLE])
    return [int(c) for c in np.flatnonzero(rng.random(num_clients) < availability)]


def client_seconds(
    *,
    tier: EdgeTier,
    down_bytes: int,
    up_bytes: int,
    examples: int,
    epochs: int,
    macs_per_example: int,
) -> float:
    """Simulated seconds one client spends on a round (pure)."""
    compute = 3 * macs_per_example * examples * epochs / tier.macs_per_second
    return down_bytes / tier.down_bytes_per_second + compute + up_bytes / tier.up_bytes_per_second


def entry_costs(
    *,
    tiers: Sequence[EdgeTier],
    sizes: Mapping[str, int],
    macs: Mapping[str, int],
    prunable: Sequence[str],
    examples: float,
    epochs: int,
    entry_bytes: float,
    sparse_compute: bool,
    latency: float,
) -> tuple[dict[str, float], float]:
    """PruneFL's round time as ``fixed + sum(costs[tensor] per kept entry)`` seconds (pure).

    For the tier whose dense round is slowest (a round waits for its slowest client): a kept
    entry costs ``entry_bytes`` down and up, plus, with ``sparse_compute``, its share of the
    training MACs (``macs[name] / sizes[name]`` per example, this module's 3x rule); the fixed
    part is ``latency``, the never-pruned entries' bytes, one mask bit per prunable entry each
    way, and the compute that does not shrink (all of it without ``sparse_compute``: dense
    kernels, as ``client_seconds`` assumes). ``sizes`` holds every trainable tensor's entries,
    ``macs`` the per-example forward MACs of the layers that have weights there.
    """

    def per_byte(t: EdgeTier) -> float:
        return 1 / t.up_bytes_per_second + 1 / t.down_bytes_per_second

    def per_mac(t: EdgeTier) -> float:
        return 3 * examples * epochs / t.macs_per_second

    total_macs, total_entries = sum(macs.values()), sum(sizes.values())
    tier = max(
        tiers, key=lambda t: total_entries * entry_bytes * per_byte(t) + total_macs * per_mac(t)
    )
    costs = {
        n: entry_bytes * per_byte(tier)
        + (macs.get(n, 0) / sizes[n] * per_mac(tier) if sparse_compute else 0.0)
        for n in prunable
    }
    fixed_entries = sum(k for n, k in sizes.items() if n not in set(prunable))
    steady_macs = total_macs - (sum(macs.get(n, 0) for n in prunable) if sparse_compute else 0)
    fixed = (
        latency
        + (fixed_entries * entry_bytes + sum(sizes[n] for n in prunable) / 8) * per_byte(tier)
        + steady_macs * per_mac(tier)
    )
    return costs, fixed


@dataclass(frozen=True)
class Outcome:
    """What the edge did to one client this round: its time, and why it failed if it did."""

    seconds: float
    failure: str | None = None


class EdgeModel:
    """The configured edge: who is online, who drops out, how long each client takes."""

    def __init__(self, *, config: EdgeConfig, num_clients: int, seed: int) -> None:
        self.cfg, self.seed, self.num_clients = config, seed, num_clients
        self.tiers = assign_tiers(num_clients=num_clients, tiers=config.tiers, seed=seed)

    def online(self, rnd: int) -> list[int]:
        """Clients available for sampling in round ``rnd``."""
        return available_clients(
            num_clients=self.num_clients,
            availability=self.cfg.availability,
            seed=self.seed,
            rnd=rnd,
        )

    def outcomes(
        self,
        *,
        rnd: int,
        clients: Sequence[int],
        down_bytes: int | Sequence[int],
        up_bytes: Sequence[int],
        examples: Sequence[int],
        epochs: int,
        macs_per_example: int,
    ) -> dict[int, Outcome]:
        """Each sampled client's simulated time, and its dropout or deadline miss."""
        drop = np.random.default_rng([self.seed, rnd, _DROPOUT]).random(self.num_clients)
        deadline = self.cfg.deadline
        out: dict[int, Outcome] = {}
        # one downlink for all, or each client's own (mask-known downlinks differ per client)
        downs = [down_bytes] * len(clients) if isinstance(down_bytes, int) else down_bytes
        for cid, down, up, n in zip(clients, downs, up_bytes, examples, strict=True):
            tier = self.cfg.tiers[int(self.tiers[cid])]
            secs = client_seconds(
                tier=tier,
                down_bytes=down,
                up_bytes=up,
                examples=n,
                epochs=epochs,
                macs_per_example=macs_per_example,
            )
            if drop[cid] < self.cfg.dropout:
                out[cid] = Outcome(seconds=secs, failure="dropped out (edge simulation)")
            elif deadline is not None and secs > deadline:
                out[cid] = Outcome(
                    seconds=secs,
                    failure=f"missed the deadline: {secs:.1f} s > {deadline:.1f} s (simulated)",
                )
            else:
                out[cid] = Outcome(seconds=secs)
        return out


def round_seconds(*, outcomes: dict[int, Outcome], deadline: float | None) -> float:
    """The round's simulated length: its slowest finisher, or the deadline when anyone missed
    it (the server waits that long), or 0 with no clients (pure)."""
    done = [o.seconds for o in outcomes.values() if o.failure is None]
    missed = any(o.failure and o.failure.startswith("missed") for o in outcomes.values())
    longest = max(done, default=0.0)
    if missed and deadline is not None:
        return max(longest, deadline)
    return longest
