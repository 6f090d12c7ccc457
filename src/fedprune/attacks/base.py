"""The ``Attack`` interface: hooks where a malicious client departs from the honest path."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping

import torch
from torch import Tensor, nn

from fedprune.registry import Registry

#: Constructor keywords an attack gets from the experiment rather than from ``attack.*``.
CONTEXT = frozenset({"num_classes"})


class Attack:
    """What a malicious client does differently; every hook defaults to the honest behaviour.

    The client worker calls ``poison_data`` on its local data before training, ``poison_model``
    on the trained (and pruned) tensors before encoding, and ``poison_payload`` on the encoded
    bytes before they are sent. The server adds ``round_metrics`` to each round's row. An attack
    overrides the hook where it acts; its keyword-only constructor options are its config keys.
    Attacks exist to evaluate defences and run only in simulation.
    """

    def poison_data(
        self, *, x: Tensor, y: Tensor, generator: torch.Generator
    ) -> tuple[Tensor, Tensor]:
        """The inputs and labels the client trains on."""
        return x, y

    def poison_model(
        self,
        *,
        state: Mapping[str, Tensor],
        received: Mapping[str, Tensor],
        masks: Mapping[str, Tensor],
        generator: torch.Generator,
    ) -> tuple[dict[str, Tensor], dict[str, Tensor]]:
        """The tensors and masks the client encodes, from its trained ``state`` and ``masks``
        and the global model it ``received``; must not modify its arguments."""
        return dict(state), dict(masks)

    def poison_payload(
        self, *, payload: bytes, state: Mapping[str, Tensor], masks: Mapping[str, Tensor]
    ) -> bytes:
        """The bytes the client sends in place of its encoded ``payload``."""
        return payload

    def round_metrics(self, *, model: nn.Module, x: Tensor, y: Tensor) -> dict[str, float]:
        """Figures for the round's row, measured on the global ``model`` and the test set."""
        return {}


ATTACKS: Registry[Callable[..., Attack]] = Registry("attack")
ATTACKS.register("none")(Attack)


def attack_options(factory: Callable[..., Attack]) -> tuple[str, ...]:
    """The ``attack.*`` options an attack takes: its keywords other than the context ones."""
    return tuple(n for n in inspect.signature(factory).parameters if n not in CONTEXT)


def keep_masked(tensors: Mapping[str, Tensor], masks: Mapping[str, Tensor]) -> dict[str, Tensor]:
    """A copy of ``tensors`` with the entries ``masks`` prune set to zero, as clients send them."""
    return {n: t * masks[n] if n in masks else t.clone() for n, t in tensors.items()}
