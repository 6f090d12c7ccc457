"""The local engine runs every job in order and survives a failing client."""

from __future__ import annotations

from fedprune.engine import ENGINES
from fedprune.engine.local import LocalEngine
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
