"""Which clients are malicious, and the hook object the client worker consults."""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from fedprune.attacks.base import ATTACKS, Attack, attack_options

# a fixed extra seed word, so attacker draws never coincide with another stream of the run
_STREAM = 0xA77AC


def malicious_clients(*, num_clients: int, fraction: float, seed: int) -> frozenset[int]:
    """``round(fraction * num_clients)`` client ids (at least one when ``fraction > 0``), drawn
    without replacement from ``seed`` alone: the same attackers whatever else is configured."""
    if not 0 <= fraction <= 1:
        raise ValueError(f"attack.fraction must be in [0, 1], got {fraction}")
    count = max(round(fraction * num_clients), 1) if fraction > 0 else 0
    rng = np.random.default_rng([seed, _STREAM])
    return frozenset(int(c) for c in rng.choice(num_clients, size=count, replace=False))


#: What an honest client "does": every hook leaves its input as it is.
HONEST = Attack()


def attack_generator(*, seed: int, rnd: int, cid: int) -> torch.Generator:
    """The attack's own generator for client ``cid`` in round ``rnd``: training's is untouched,
    so a malicious client's batches are the ones it would draw when honest."""
    state = np.random.SeedSequence([seed, rnd, cid, _STREAM]).generate_state(1)[0]
    return torch.Generator().manual_seed(int(state))


@dataclass(frozen=True)
class Adversary:
    """The attack and the clients that run it: the hook the client worker consults."""

    attack: Attack
    clients: frozenset[int]

    def attack_of(self, cid: int) -> Attack:
        """What client ``cid`` runs: the attack, or ``HONEST``."""
        return self.attack if cid in self.clients else HONEST


def make_adversary(
    *,
    kind: str,
    fraction: float,
    options: Mapping[str, Any],
    num_clients: int,
    num_classes: int,
    seed: int,
) -> Adversary:
    """Build attack ``kind`` from the ``options`` it takes (``None`` values left to its
    defaults) and choose its clients with ``malicious_clients``."""
    factory = ATTACKS.get(kind)
    given = {k: v for k, v in options.items() if v is not None}
    if unused := sorted(set(given) - set(attack_options(factory))):
        raise ValueError(f"attack {kind!r} does not take {unused}")
    declared = inspect.signature(factory).parameters
    context = {k: v for k, v in {"num_classes": num_classes}.items() if k in declared}
    return Adversary(
        attack=factory(**given, **context),
        clients=malicious_clients(num_clients=num_clients, fraction=fraction, seed=seed),
    )
