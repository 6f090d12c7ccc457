"""Worker processes: the same federation as in process, client memory where it lives, and
failures contained to the jobs they hit."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

from fedprune.checkpoint import split_state
from fedprune.client import ClientWorker
from fedprune.config import build_config
from fedprune.engine.local import LocalEngine
from fedprune.engine.pool import CAN_FORK, WorkerPool, schedule
from fedprune.experiment import Experiment
from fedprune.messages import ClientJob, ClientReply

pytestmark = pytest.mark.skipif(not CAN_FORK, reason="worker processes need Linux fork")

BASE = [
    "data.dataset=digits",
    "data.num_clients=6",
    "federation.clients_per_round=4",
    "federation.rounds=3",
    "model.name=cnn",
    "train.epochs=1",
    "train.batch_size=16",
    "pruning.target=0.6",
    "pruning.end_round=2",
    "engine.threads=1",
]
MEMORY = ["codec.uplink=int8", "codec.delta=true", "codec.error_feedback=true"]


def run(extra: list[str]) -> tuple[Experiment, list[dict], dict[str, torch.Tensor]]:
    exp = Experiment(config=build_config(overrides=[*BASE, *extra]))
    result = exp.run()
    assert result.model is not None
    return exp, result.rounds, result.model.params


KEYS = ("accuracy", "loss", "sparsity", "bytes_up", "bytes_down", "client_bytes_up", "train_loss")


@pytest.mark.parametrize("memory", [[], MEMORY], ids=["stateless", "error-feedback"])
def test_two_worker_processes_give_the_in_process_federation_exactly(memory: list[str]) -> None:
    _, alone_rows, alone = run([*memory, "engine.workers=1"])
    exp, pooled_rows, pooled = run([*memory, "engine.workers=2"])

    assert isinstance(exp.engine, LocalEngine) and exp.engine.workers == 2
    assert [{k: r[k] for k in KEYS} for r in pooled_rows] == [
        {k: r[k] for k in KEYS} for r in alone_rows
    ]
    assert all(torch.equal(pooled[n], alone[n]) for n in alone)


def test_client_memory_kept_by_workers_is_gathered_for_checkpoints() -> None:
    alone, _, _ = run([*MEMORY, "engine.workers=1"])
    pooled, _, _ = run([*MEMORY, "engine.workers=2"])  # closing the pool gathers the memory

    want_tensors, want_tree = split_state(alone.worker.state_dict())
    got_tensors, got_tree = split_state(pooled.worker.state_dict())
    assert want_tree["feedback"]  # every client that ran, in the same order
    assert got_tree == want_tree
    assert all(torch.equal(got_tensors[k], t) for k, t in want_tensors.items())


class Crashing(ClientWorker):
    """Client 2's process dies mid-job; client 5 raises; the others echo their downlink."""

    def __call__(self, job: ClientJob) -> ClientReply:
        if job.cid == 2:
            os._exit(3)
        if job.cid == 5:
            raise RuntimeError("client 5 is out of memory")
        return ClientReply(cid=job.cid, payload=job.downlink[::-1], num_examples=job.cid)


def pool_of(cls: type[ClientWorker], processes: int) -> tuple[WorkerPool, list[ClientJob]]:
    exp = Experiment(config=build_config(overrides=[*BASE, "engine.workers=1"]))
    w = exp.worker
    work = cls(model=w.model, prunable=w.prunable, data=w.data, seed=0)
    instr = exp.strategy.configure_round(rnd=1, model=None, clients=[0])[0]  # type: ignore[arg-type]
    jobs = [ClientJob(rnd=1, cid=c, instruction=instr, downlink=bytes([c, 7])) for c in range(6)]
    return WorkerPool(work=work, processes=processes), jobs


def test_a_dead_worker_fails_its_job_and_the_others_finish() -> None:
    pool, jobs = pool_of(Crashing, processes=2)
    try:
        replies = pool.run(jobs)
    finally:
        pool.close()

    assert [r.cid for r in replies] == list(range(6))
    assert "died" in str(replies[2].error)
    assert replies[5].error == repr(RuntimeError("client 5 is out of memory"))
    ok = [r for r in replies if r.cid not in (2, 5)]
    assert all(r.error is None and r.payload == bytes([r.cid, 7])[::-1] for r in ok)
    assert [r.num_examples for r in ok] == [0, 1, 3, 4]


class Huge(ClientWorker):
    """Replies larger than a worker's arena, and downlinks too large for the shared one."""

    def __call__(self, job: ClientJob) -> ClientReply:
        return ClientReply(
            cid=job.cid, payload=job.downlink * 3, num_examples=1, channel_scores=b"s" * job.cid
        )


def test_bytes_too_large_for_the_arenas_travel_on_the_pipe() -> None:
    pool, jobs = pool_of(Huge, processes=2)
    big = [
        ClientJob(
            rnd=1, cid=j.cid, instruction=j.instruction, downlink=os.urandom(pool.down.size // 3)
        )
        for j in jobs
    ]
    try:
        replies = pool.run(big)
    finally:
        pool.close()

    assert [r.payload for r in replies] == [j.downlink * 3 for j in big]
    assert [r.channel_scores for r in replies] == [b"s" * j.cid for j in big]


class Slow(ClientWorker):
    """Every job takes a while, so an interruption finds jobs in flight."""

    def __call__(self, job: ClientJob) -> ClientReply:
        import time

        time.sleep(0.5)
        return ClientReply(cid=job.cid, payload=b"x", num_examples=1)


def test_an_interrupted_run_leaves_a_pool_that_closes_at_once(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import fedprune.engine.pool as pool_module

    pool, jobs = pool_of(Slow, processes=2)
    pool.pinned = True  # a closing pool would otherwise ask the workers for their memory

    def interrupted(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt

    monkeypatch.setattr(pool_module, "wait", interrupted)
    with pytest.raises(KeyboardInterrupt):
        pool.run(jobs)
    assert pool.broken
    procs = [p.process for p in pool.procs]

    pool.pull_memory(drop=True)  # asks nothing: the pipes hold the in-flight replies
    pool.close()

    assert all(not p.is_alive() for p in procs)


class Gated(ClientWorker):
    """Client ``cid`` waits until its gate file exists, then echoes its downlink."""

    gates: Path

    def __call__(self, job: ClientJob) -> ClientReply:
        import time

        while not (self.gates / str(job.cid)).exists():
            time.sleep(0.01)
        return ClientReply(cid=job.cid, payload=job.downlink, num_examples=1)


def test_the_stream_hands_on_a_reply_while_later_jobs_still_run(
    tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    import threading

    monkeypatch.setattr(Gated, "gates", tmp_path, raising=False)  # before the workers fork
    pool, jobs = pool_of(Gated, processes=2)
    order = schedule(jobs, data=pool.work.data)
    (tmp_path / str(jobs[order[0]].cid)).touch()  # only the first job in the order may finish
    released = threading.Event()

    def release_all() -> None:  # so a stream that waits for every job still ends
        released.set()
        for job in jobs:
            (tmp_path / str(job.cid)).touch()

    timer = threading.Timer(5.0, release_all)
    timer.start()
    try:
        stream = pool.stream(jobs)
        k, first = next(stream)
        handed_on_early = not released.is_set()
        rest = list(stream)
    finally:
        timer.cancel()
        release_all()
        pool.close()

    assert handed_on_early
    assert len(set(order)) == len(jobs) and order != sorted(order)  # largest first, not job order
    assert (k, first.cid) == (order[0], jobs[order[0]].cid)
    assert [k for k, _ in rest] == order[1:]
