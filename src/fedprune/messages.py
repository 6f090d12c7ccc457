"""Plain data that travels between server and clients: instructions, updates, the global model."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from torch import Tensor


@dataclass(frozen=True)
class PruneOrder:
    """Tell a client to prune its trained model before upload.

    ``pruner`` is a registered pruner name (``layer``, ``global``, ``erk``, ...), ``criterion`` a
    registered criterion, ``target`` the sparsity to reach, ``threshold`` the threshold pruner's
    cut-off.
    """

    pruner: str
    criterion: str
    target: float
    threshold: float | None = None


@dataclass(frozen=True)
class Instruction:
    """What one client does this round: local training settings and an optional prune order.

    ``prox_mu`` > 0 adds FedProx's proximal term ``prox_mu / 2 * ||w - w_global||^2``;
    ``shrink_l1`` > 0 follows each SGD step with an L1 soft-threshold of the prunable weights by
    ``lr * shrink_l1`` (see ``fedprune.prune.shrink``).
    """

    epochs: int
    batch_size: int
    lr: float
    momentum: float = 0.0
    weight_decay: float = 0.0
    prune: PruneOrder | None = None
    prox_mu: float = 0.0
    shrink_l1: float = 0.0
    # a registered channel criterion: score channels on the trained model and send the scores
    score_channels: str | None = None
    # local differential privacy: clip the update to dp_clip, noise std dp_noise * dp_clip
    dp_clip: float = 0.0
    dp_noise: float = 0.0
    # adversarial training: a registered attack, its radius, steps and share of each batch
    adversarial: str | None = None
    adv_eps: float = 0.0
    adv_steps: int = 1
    adv_fraction: float = 0.0
    # worker processes training this client data-parallel (fedprune.silo); 1: in process
    silo_workers: int = 1
    # dynamic sparse training: after training, swap this fraction of the kept weights (drop the
    # smallest, regrow the largest-gradient pruned ones), then train regrow_epochs more
    regrow: float = 0.0
    regrow_epochs: int = 1
    # PruneFL: send each trainable parameter's importance, the squared sum of this round's
    # data-loss gradients (pruned entries too) times the example count
    importance: bool = False

    def with_prune(self, prune: PruneOrder | None) -> Instruction:
        """A copy with ``prune`` set."""
        return replace(self, prune=prune)


@dataclass
class GlobalModel:
    """The server's model: every parameter and buffer, and keep-masks of the prunable tensors."""

    params: dict[str, Tensor]
    masks: dict[str, Tensor]


@dataclass(frozen=True)
class Update:
    """A decoded, validated client update (model weights after local training and pruning)."""

    cid: int
    num_examples: int
    params: dict[str, Tensor]
    masks: dict[str, Tensor]
    metrics: dict[str, float] = field(default_factory=dict)
    # per-channel importance (group name -> scores), when the instruction asked for it
    channel_scores: dict[str, Tensor] | None = None
    # per-entry importance of each trainable parameter (PruneFL), when asked for
    importance: dict[str, Tensor] | None = None


@dataclass(frozen=True)
class ClientJob:
    """One client's work for a round: who, what to do, and the downlink bytes it receives."""

    rnd: int
    cid: int
    instruction: Instruction
    downlink: bytes


@dataclass(frozen=True)
class ClientReply:
    """What a client sends back: its encoded update and a few scalars.

    ``error`` is set (and ``payload`` empty) when the client's work raised.
    """

    cid: int
    payload: bytes
    num_examples: int
    metrics: dict[str, float] = field(default_factory=dict)
    error: str | None = None
    # encoded per-channel importance, sent beside the update when asked for (counted uplink)
    channel_scores: bytes = b""
    # encoded per-entry importance (``Instruction.importance``), also counted uplink
    importance: bytes = b""


def instruction_to_json(instruction: Instruction) -> str:
    """The instruction as JSON (floats keep every bit: JSON writes their shortest repr)."""
    return json.dumps(asdict(instruction), sort_keys=True)


def instruction_from_json(text: str) -> Instruction:
    """Inverse of ``instruction_to_json``; unknown fields raise ``TypeError``."""
    fields: dict[str, Any] = json.loads(text)
    prune = fields.pop("prune", None)
    return Instruction(**fields, prune=PruneOrder(**prune) if prune is not None else None)


def uplink_bytes(reply: ClientReply) -> int:
    """Bytes a reply puts on the uplink: its update and any scores sent beside it."""
    return len(reply.payload) + len(reply.channel_scores) + len(reply.importance)
