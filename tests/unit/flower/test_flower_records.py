"""Jobs and replies survive the trip through Flower records, bit for bit, without pickles."""

from __future__ import annotations

import pytest

pytest.importorskip("flwr")

from flwr.app import Message

from fedprune.flower.records import (
    TRAIN,
    instruction_from_json,
    instruction_to_json,
    job_from_record,
    job_to_record,
    memory_from_record,
    memory_to_record,
    reply_from_record,
    reply_to_record,
    wire_size,
)
from fedprune.messages import ClientJob, ClientReply, Instruction, PruneOrder


def job() -> ClientJob:
    order = PruneOrder(pruner="global", criterion="magnitude", target=0.1 + 0.2, threshold=None)
    instruction = Instruction(epochs=2, batch_size=16, lr=1 / 3, prune=order, dp_noise=1e-300)
    return ClientJob(rnd=4, cid=7, instruction=instruction, downlink=bytes(range(256)) * 3)


def test_instruction_json_keeps_every_float_bit() -> None:
    instruction = job().instruction

    back = instruction_from_json(instruction_to_json(instruction))

    assert back == instruction
    assert back.lr.hex() == (1 / 3).hex()


def test_instruction_without_prune_order_round_trips() -> None:
    instruction = Instruction(epochs=1, batch_size=8, lr=0.05)

    assert instruction_from_json(instruction_to_json(instruction)) == instruction


def test_job_round_trips_with_its_config_digest() -> None:
    sent = job()

    got, digest = job_from_record(job_to_record(sent, digest="abc"))

    assert got == sent
    assert digest == "abc"


@pytest.mark.parametrize("error", [None, "RuntimeError('boom')"])
def test_reply_round_trips(error: str | None) -> None:
    sent = ClientReply(
        cid=3,
        payload=b"" if error else b"\x00\x01codec",
        num_examples=0 if error else 120,
        metrics={} if error else {"train_loss": 0.1 + 0.2, "val_accuracy": 1.0},
        error=error,
        channel_scores=b"" if error else b"scores",
    )

    assert reply_from_record(reply_to_record(sent)) == sent


def test_wire_size_counts_the_codec_bytes_plus_a_small_envelope(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from flwr.supercore.task_identity import TaskIdentity

    for key in ("_run_id", "_task_id", "_node_id"):  # what a running ServerApp has set
        monkeypatch.setattr(TaskIdentity, key, 1)
    sent = job()
    message = Message(job_to_record(sent, digest="d" * 64), dst_node_id=1, message_type=TRAIN)

    size = wire_size(message)

    # the downlink travels as raw bytes, not re-encoded: the envelope is what is left over
    assert len(sent.downlink) < size < len(sent.downlink) + 2048


def test_client_memory_round_trips_through_safetensors_and_json() -> None:
    import torch

    state = {
        "feedback": {"3": {"pipeline": "int8+zstd", "residual": {"fc.weight": torch.randn(4, 5)}}},
        "masks": {"3": {"fc.weight": torch.rand(4, 5) > 0.5}},
    }

    back = memory_from_record(memory_to_record(state))

    assert back["feedback"]["3"]["pipeline"] == "int8+zstd"
    assert torch.equal(back["feedback"]["3"]["residual"]["fc.weight"],
                       state["feedback"]["3"]["residual"]["fc.weight"])  # fmt: skip
    assert back["masks"]["3"]["fc.weight"].dtype == torch.bool
    assert torch.equal(back["masks"]["3"]["fc.weight"], state["masks"]["3"]["fc.weight"])
