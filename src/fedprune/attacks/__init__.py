"""Simulated attacks by malicious clients, to evaluate robust aggregation and update checks."""

from fedprune.attacks import (  # noqa: F401  (registration)
    backdoor,
    forged_mask,
    gaussian,
    label_flip,
    nan,
    revive,
    scale,
    sign_flip,
    wrong_shape,
)
from fedprune.attacks.adversary import (
    HONEST,
    Adversary,
    attack_generator,
    make_adversary,
    malicious_clients,
)
from fedprune.attacks.backdoor import backdoor_success, stamp
from fedprune.attacks.base import ATTACKS, Attack, attack_options
from fedprune.attacks.label_flip import flip_labels

__all__ = [
    "ATTACKS",
    "HONEST",
    "Adversary",
    "Attack",
    "attack_generator",
    "attack_options",
    "backdoor_success",
    "flip_labels",
    "make_adversary",
    "malicious_clients",
    "stamp",
]
