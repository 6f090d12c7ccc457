"""Which experiment settings secure aggregation works with, as a table of rules.

The server learns only the (weighted) sum of a round's updates, over the coordinates of a mask
every client shares. So anything that must see one client's update (robust or mask-voting
aggregators, update-norm checks, central DP's per-client clipping) or that gives each client
its own coordinates (client-side pruning, per-client channel scores) cannot run with it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from fedprune.secagg.federation import default_threshold, expected_clients, holders
from fedprune.secagg.fixed_point import FixedPoint

if TYPE_CHECKING:
    from fedprune.config import ExperimentConfig

Rule = tuple[Callable[["ExperimentConfig"], bool], str]

RULES: tuple[Rule, ...] = (
    (
        lambda c: c.pruning.mode == "client",
        "secagg sums over a mask all clients share: pruning.mode must be 'server' or 'none'",
    ),
    (
        lambda c: c.federation.aggregator != "mean",
        "secagg shows the server only the sum: federation.aggregator must be 'mean' (robust "
        "and mask-voting aggregators need each update)",
    ),
    (
        lambda c: c.federation.max_update_norm is not None,
        "federation.max_update_norm checks each update, which secagg hides: leave it unset",
    ),
    (
        lambda c: c.privacy.mode == "central",
        "privacy.mode 'central' clips each update on the server, which secagg hides: use "
        "'local' (noise added by clients, then summed securely) or 'none'",
    ),
    (
        lambda c: c.structured.mode == "client",
        "structured.mode 'client' uploads each client's channel scores in the clear: use "
        "'server' or 'none' with secagg",
    ),
    (
        lambda c: c.codec.downlink.startswith("mask-known"),
        "secagg reads the round's base model from the downlink it sent, which a mask-known "
        "downlink does not make readable without a client's cached masks: drop mask-known",
    ),
    (
        lambda c: c.codec.uplink != "fp32",
        "secagg uploads fixed-point masked vectors: codec.uplink must be 'fp32' (a lossy "
        "codec would not make them smaller)",
    ),
)


def secagg_problem(cfg: ExperimentConfig) -> str | None:
    """The first reason ``cfg`` cannot run with ``secagg.enabled``, or None."""
    for broken, why in RULES:
        if broken(cfg):
            return why
    s, n = cfg.secagg, expected_clients(cfg)
    if n < 2:
        return "secagg needs at least 2 clients a round: one client's sum is its update"
    size = holders(clients=n, neighbours=s.neighbours)
    t = s.threshold or default_threshold(size)
    if t > size:
        return f"secagg.threshold ({t}) must be <= the {size} holders of each client's shares"
    survivors = n - int(s.dropout * n + 0.5)
    if survivors < t:
        return (
            f"secagg.dropout ({s.dropout}) leaves {survivors} of {n} clients, below the "
            f"threshold of {t}: no round could be unmasked"
        )
    try:
        FixedPoint.for_sum(bits=s.bits, clip=s.clip, total_weight=n * s.max_examples)
    except ValueError as exc:
        return f"secagg.bits/clip/max_examples: {exc}"
    return None
