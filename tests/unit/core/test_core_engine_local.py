"""The local engine runs every job, largest first, and survives a failing client."""

from __future__ import annotations

from dataclasses import replace

import torch

from fedprune.client import ClientData, ClientWorker
from fedprune.engine import ENGINES
from fedprune.engine.local import LocalEngine
from fedprune.engine.pool import schedule
from fedprune.messages import ClientJob, ClientReply, Instruction

INSTR = Instruction(epochs=1, batch_size=1, lr=0.1)


def jobs(cids: list[int]) -> list[ClientJob]:
    return [ClientJob(rnd=1, cid=c, instruction=INSTR, downlink=bytes([c])) for c in cids]


def echo(job: ClientJob) -> ClientReply:
    return ClientReply(cid=job.cid, payload=job.downlink * 2, num_examples=job.cid + 1)


def test_replies_come_back_in_job_order() -> None:
    replies = LocalEngine().run(jobs=jobs([5, 2, 9]), work=echo)

    assert [(r.cid, r.payload, r.num_examples) for r in replies] == [
        (5, b"\x05\x05", 6),
        (2, b"\x02\x02", 3),
        (9, b"\x09\x09", 10),
    ]
    assert all(r.error is None for r in replies)


def test_a_failing_client_yields_an_error_reply_and_the_others_still_run() -> None:
    ran: list[int] = []

    def work(job: ClientJob) -> ClientReply:
        ran.append(job.cid)
        if job.cid == 2:
            raise RuntimeError("client 2 ran out of memory")
        return echo(job)

    replies = LocalEngine().run(jobs=jobs([1, 2, 3]), work=work)

    assert ran == [1, 2, 3]
    failed = replies[1]
    assert failed.cid == 2
    assert failed.error is not None
    assert "client 2 ran out of memory" in failed.error
    assert (failed.payload, failed.num_examples) == (b"", 0)
    assert [r.error for r in (replies[0], replies[2])] == [None, None]
    assert [r.payload for r in (replies[0], replies[2])] == [b"\x01\x01", b"\x03\x03"]


def test_local_engine_is_registered() -> None:
    assert ENGINES.get("local") is LocalEngine


def test_schedule_puts_the_largest_job_first_ties_in_job_order() -> None:
    sizes = {0: 3, 1: 9, 2: 3, 3: 5}
    data = {c: ClientData(x=torch.zeros(n, 1), y=torch.zeros(n)) for c, n in sizes.items()}
    two_epochs = ClientJob(rnd=1, cid=0, instruction=replace(INSTR, epochs=2), downlink=b"")

    assert schedule(jobs([0, 1, 2, 3]), data=data) == [1, 3, 0, 2]
    assert schedule([two_epochs, *jobs([3])], data=data) == [0, 1]  # 3 x 2 epochs > 5
    assert schedule(jobs([2, 0, 1]), data=None) == [0, 1, 2]


def test_in_process_stream_runs_and_yields_in_schedule_order_run_in_job_order() -> None:
    sizes = {5: 1, 2: 4, 9: 2}
    data = {c: ClientData(x=torch.zeros(n, 1), y=torch.zeros(n)) for c, n in sizes.items()}
    ran: list[int] = []

    class Echo(ClientWorker):
        def __init__(self) -> None:
            self.data = data  # type: ignore[assignment]

        def __call__(self, job: ClientJob) -> ClientReply:
            ran.append(job.cid)
            return echo(job)

    engine = LocalEngine(workers=1)
    streamed = [r.cid for r in engine.stream(jobs=jobs([5, 2, 9]), work=Echo())]
    listed = [r.cid for r in engine.run(jobs=jobs([5, 2, 9]), work=Echo())]

    assert streamed == [2, 9, 5]
    assert ran == [2, 9, 5, 2, 9, 5]
    assert listed == [5, 2, 9]
