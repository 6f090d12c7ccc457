"""State that outlives a round: the ledger's entries and the clients' error-feedback residuals."""

from __future__ import annotations

import json

import pytest
import torch
from torch import nn

from fedprune.checkpoint import join_state, split_state
from fedprune.client import ClientData, ClientWorker, Uplink
from fedprune.codec import parse_pipeline
from fedprune.ledger import Ledger
from fedprune.messages import ClientJob, Instruction
from fedprune.payload import pack_model

PRUNABLE = ["0.weight", "2.weight"]


def through_disk(state: dict) -> dict:
    tensors, tree = split_state(state)
    return join_state(json.loads(json.dumps(tree)), tensors)


def test_ledger_round_trips_through_a_checkpoint() -> None:
    ledger = Ledger()
    ledger.record(rnd=1, cid=3, direction="down", payload=bytes(10))
    ledger.record(rnd=2, cid=4, direction="up", payload=bytes(7))
    copy = Ledger()

    copy.load_state_dict(through_disk(ledger.state_dict()))

    assert copy.entries == ledger.entries
    assert copy.total(direction="up") == 7 and copy.total(direction="down") == 10


def test_an_empty_ledger_round_trips() -> None:
    copy = Ledger()
    copy.record(rnd=1, cid=0, direction="up", payload=b"x")

    copy.load_state_dict(through_disk(Ledger().state_dict()))

    assert copy.entries == []


@pytest.mark.parametrize(
    "entries",
    [torch.zeros(3), torch.tensor([[1, 0, 2, 5]]), torch.tensor([[1, 0, 0, -1]])],
)
def test_a_malformed_ledger_state_is_refused(entries: torch.Tensor) -> None:
    with pytest.raises(ValueError, match="ledger entries"):
        Ledger().load_state_dict({"entries": entries})


def tiny_worker() -> ClientWorker:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    gen = torch.Generator().manual_seed(1)
    data = [ClientData(x=torch.randn(8, 4, generator=gen), y=torch.arange(8) % 2) for _ in "ab"]
    uplink = Uplink(pipeline=parse_pipeline("topk(0.2)+fp32"), delta=True, error_feedback=True)
    return ClientWorker(model=model, prunable=PRUNABLE, data=data, seed=0, uplink=uplink)


def run_job(worker: ClientWorker, rnd: int, cid: int) -> bytes:
    params = {k: v.clone() for k, v in tiny_worker().model.state_dict().items()}
    down = pack_model(params=params, masks={})
    instruction = Instruction(epochs=1, batch_size=4, lr=0.1)
    return worker(ClientJob(rnd=rnd, cid=cid, instruction=instruction, downlink=down)).payload


def test_client_residuals_round_trip_and_change_the_next_upload() -> None:
    worker = tiny_worker()
    run_job(worker, rnd=1, cid=1)
    restored = tiny_worker()

    restored.load_state_dict(through_disk(worker.state_dict()))
    expected = run_job(worker, rnd=2, cid=1)

    assert set(worker.state_dict()["feedback"]) == {"1"}
    assert run_job(restored, rnd=2, cid=1) == expected
    assert run_job(tiny_worker(), rnd=2, cid=1) != expected  # no residual, another upload


def test_residuals_for_another_pipeline_are_refused() -> None:
    worker = tiny_worker()
    run_job(worker, rnd=1, cid=0)
    state = worker.state_dict()
    state["feedback"]["0"]["pipeline"] = "topk(0.5)+fp32"

    with pytest.raises(ValueError, match="pipeline"):
        tiny_worker().load_state_dict(state)
