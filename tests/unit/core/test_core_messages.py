"""Messages are plain, immutable data."""

from __future__ import annotations

import dataclasses

import pytest

from fedprune.messages import ClientReply, Instruction, PruneOrder


def test_with_prune_returns_a_copy_with_only_the_order_changed() -> None:
    base = Instruction(epochs=2, batch_size=10, lr=0.1, momentum=0.5, weight_decay=1e-4)
    order = PruneOrder(pruner="global", criterion="magnitude", target=0.5)

    pruned = base.with_prune(order)

    assert pruned == Instruction(
        epochs=2, batch_size=10, lr=0.1, momentum=0.5, weight_decay=1e-4, prune=order
    )
    assert base.prune is None


def test_with_prune_none_clears_the_order() -> None:
    order = PruneOrder(pruner="layer", criterion="magnitude", target=0.3)
    instr = Instruction(epochs=1, batch_size=5, lr=0.01, prune=order)

    assert instr.with_prune(None).prune is None


def test_instructions_are_frozen() -> None:
    instr = Instruction(epochs=1, batch_size=5, lr=0.01)

    with pytest.raises(dataclasses.FrozenInstanceError):
        instr.epochs = 3  # type: ignore[misc]


def test_reply_defaults_to_no_error_and_no_metrics() -> None:
    reply = ClientReply(cid=4, payload=b"abc", num_examples=7)

    assert reply.error is None
    assert reply.metrics == {}
