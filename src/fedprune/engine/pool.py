"""Forked worker processes that run a round's client jobs in parallel.

Each worker is forked from the server process with its ``ClientWorker``: the model is built
once and the clients' data are shared copy-on-write, never copied per client or per round.
Control messages are small JSON documents on a pipe; bulk bytes (downlinks, uplinks, client
memory) go through shared-memory arenas (``fedprune.engine.arena``). Nothing is pickled.

A job's result depends only on the downlink, the client's data and seeds keyed by (seed,
round, client), so which worker runs it does not change it. Jobs start and replies come back
in ``schedule`` order (largest first), each reply handed on as soon as its turn comes while the
workers go on training, so runs are identical to the in-process path (which keeps that order)
at the same thread count. Without client memory, jobs go to whichever worker is free; with
client memory (error feedback, a mask-known downlink's cached masks) client ``cid`` always runs
on worker ``cid % processes``, where its memory lives, and ``pull_memory`` gathers it for
checkpoints.
"""

from __future__ import annotations

import contextlib
import gc
import json
import logging
import multiprocessing as mp
import os
import signal
import sys
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

import torch
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors

from fedprune.checkpoint.split import join_state, split_state
from fedprune.client import ClientWorker
from fedprune.engine.arena import Arena
from fedprune.messages import ClientJob, ClientReply, instruction_from_json, instruction_to_json

log = logging.getLogger(__name__)

# fork without exec is safe with torch on Linux; macOS's system libraries are not fork-safe
CAN_FORK = sys.platform.startswith("linux") and "fork" in mp.get_all_start_methods()
_PARENT_CHECK_S = 1.0  # how often an idle worker checks that its parent is alive


@dataclass
class _Proc:
    process: Any  # a forked multiprocessing Process
    conn: Connection
    up: Arena  # this worker's replies, written by it, copied out by the parent


class WorkerPool:
    """``processes`` forked copies of ``work``, each on ``threads`` torch threads.

    ``run`` gives one reply per job, in job order; a job whose work raises gets a reply with
    ``error`` set, and a worker that dies fails its job and the jobs only it could run.
    """

    def __init__(self, *, work: ClientWorker, processes: int, threads: int = 1) -> None:
        if not CAN_FORK:
            raise RuntimeError("worker processes need Linux's fork")
        if processes < 1 or threads < 1:
            raise ValueError(f"processes and threads must be >= 1, got {processes}, {threads}")
        self.work = work
        self.pinned = work.keeps_memory
        dense = sum(t.numel() * 4 for t in work.reference.values())
        # a round's distinct downlinks, and one reply at a time per worker (masks, scores and
        # headers fit in the slack); what does not fit travels on the pipe instead
        self.down = Arena(size=4 * dense + (1 << 20))
        self.epoch = 0
        self.procs: list[_Proc] = []
        ctx = mp.get_context("fork")
        # the objects alive now move to the collector's permanent generation, so a worker's
        # collections never write to (and so copy) the pages it shares with this process:
        # sim_speed's workload peaked at ~0.94 GiB with it, ~1.05 GiB without
        gc.freeze()
        try:
            for i in range(processes):
                up = Arena(size=2 * dense + (1 << 20))
                parent_end, child_end = ctx.Pipe(duplex=True)
                process = ctx.Process(
                    target=_serve,
                    name=f"fedprune-client-{i}",
                    kwargs={
                        "work": work,
                        "conn": child_end,
                        "down": self.down,
                        "up": up,
                        "threads": threads,
                        "parent": os.getpid(),
                        "inherited": [p.conn for p in self.procs] + [parent_end],
                    },
                    daemon=True,
                )
                process.start()
                child_end.close()
                self.procs.append(_Proc(process=process, conn=parent_end, up=up))
        finally:
            gc.unfreeze()  # here, the objects go back to being collected as before
        self.alive = [True] * processes
        self.broken = False  # a run was interrupted: the pipes are out of step

    # --- the parent's side ------------------------------------------------------------------

    def run(self, jobs: Sequence[ClientJob]) -> list[ClientReply]:
        """Run ``jobs`` on the workers; one reply per job, in job order."""
        replies: dict[int, ClientReply] = dict(self.stream(jobs))
        return [replies[k] for k in range(len(jobs))]

    def stream(self, jobs: Sequence[ClientJob]) -> Iterator[tuple[int, ClientReply]]:
        """Run ``jobs`` on the workers, yielding ``(job index, reply)`` in ``schedule`` order,
        whichever worker finishes first: an early reply waits in a buffer until its turn.

        Each reply is yielded as soon as its turn comes, while the workers go on with the
        next jobs, so the caller's work on it (decoding, folding) overlaps their training and
        a round never holds every reply at once. The order depends on the jobs alone.
        """
        self.epoch += 1
        self.down.reset()
        placed: dict[int, tuple[int, int] | None] = {}
        for job in jobs:  # each distinct downlink is written once, however many clients get it
            if id(job.downlink) not in placed:
                placed[id(job.downlink)] = self.down.put(job.downlink)
        order = schedule(jobs, data=self.work.data)
        queues = self._queues(jobs, order)
        early: dict[int, ClientReply] = {}  # replies that came before their turn
        busy: dict[int, int] = {}  # worker -> job index

        def feed(w: int) -> None:
            queue = queues[w if self.pinned else 0]
            while queue and self.alive[w]:
                k = queue.popleft()
                try:
                    self._send_job(w, jobs[k], placed[id(jobs[k].downlink)])
                except OSError as exc:
                    self._lost(w, exc)
                    early[k] = _failed(jobs[k], f"worker {w} is gone: {exc!r}")
                    continue
                busy[w] = k
                return

        turn = 0
        try:
            for w in range(len(self.procs)):
                feed(w)
            while busy:
                conns = {self.procs[w].conn: w for w in busy}
                for conn in wait(list(conns)):
                    w = conns[conn]  # type: ignore[index]
                    k = busy.pop(w)
                    try:
                        early[k] = self._receive(w)
                    except (EOFError, OSError) as exc:
                        self._lost(w, exc)
                        early[k] = _failed(jobs[k], f"worker {w} died: {exc!r}")
                    feed(w)  # before the caller sees the reply: the worker is never idle
                while turn < len(order) and order[turn] in early:
                    k = order[turn]
                    turn += 1
                    yield k, early.pop(k)
        except BaseException:  # interrupted with jobs in flight: their replies would be read
            self.broken = True  # as answers to the next request, so nothing more is asked
            raise
        for k in order[turn:]:  # jobs left in a queue no live worker serves (a pinned one died)
            late = _failed(jobs[k], "no live worker process serves this client")
            yield k, early.pop(k, late)

    def pull_memory(self, *, drop: bool = False) -> None:
        """Copy every client's memory from the worker that owns it into ``self.work``, one
        client at a time; with ``drop`` (the pool is closing) each worker then forgets it, so
        the memory moves rather than doubles.

        Spilled residuals stay where they are: the files are the same for every process.
        """
        if self.broken:
            log.warning("client worker processes were interrupted; their clients' memory is lost")
            return
        n = len(self.procs)
        feedback = not self.work.spilled
        for w, proc in enumerate(self.procs):
            if not self.alive[w]:
                continue
            proc.conn.send_bytes(json.dumps({"kind": "clients", "owner": [w, n]}).encode())
            for cid in json.loads(proc.conn.recv_bytes())["cids"]:
                ask = {"kind": "memory", "cid": cid, "feedback": feedback, "drop": drop}
                proc.conn.send_bytes(json.dumps(ask).encode())
                head = json.loads(proc.conn.recv_bytes())
                (blob,) = _receive_blobs(proc, head)
                self.work.set_client_memory(int(cid), join_state(head["tree"], load_tensors(blob)))

    def close(self) -> None:
        """Stop every worker (they also stop by themselves when this process goes)."""
        for w, proc in enumerate(self.procs):
            if self.alive[w] and not self.broken:
                with contextlib.suppress(OSError):  # already gone
                    proc.conn.send_bytes(json.dumps({"kind": "stop"}).encode())
        for proc in self.procs:
            proc.process.join(timeout=0 if self.broken else 10)
            if proc.process.is_alive():
                proc.process.kill()
                proc.process.join(timeout=10)
            proc.conn.close()
            proc.up.close()
        self.down.close()
        self.procs = []

    def _queues(self, jobs: Sequence[ClientJob], order: list[int]) -> list[deque[int]]:
        if self.pinned:
            n = len(self.procs)
            return [deque(k for k in order if jobs[k].cid % n == w) for w in range(n)]
        return [deque(order)]

    def _send_job(self, w: int, job: ClientJob, place: tuple[int, int] | None) -> None:
        head = {
            "kind": "job",
            "epoch": self.epoch,
            "rnd": job.rnd,
            "cid": job.cid,
            "instruction": instruction_to_json(job.instruction),
            "down": place,
        }
        conn = self.procs[w].conn
        conn.send_bytes(json.dumps(head).encode())
        if place is None:
            conn.send_bytes(job.downlink)

    def _receive(self, w: int) -> ClientReply:
        proc = self.procs[w]
        head = json.loads(proc.conn.recv_bytes())
        payload, scores, importance = _receive_blobs(proc, head)
        return ClientReply(
            cid=int(head["cid"]),
            payload=payload,
            num_examples=int(head["num_examples"]),
            metrics={k: float(v) for k, v in head["metrics"].items()},
            error=head["error"],
            channel_scores=scores,
            importance=importance,
        )

    def _lost(self, w: int, exc: BaseException) -> None:
        if self.alive[w]:
            log.warning("client worker process %d is gone (%r); its clients fail", w, exc)
        self.alive[w] = False


def _receive_blobs(proc: _Proc, head: dict[str, Any]) -> list[bytes]:
    """The byte strings a worker sent after ``head`` (``_send_blobs``): from its arena, or,
    when they did not fit there, from the pipe."""
    if head["inline"] is not None:
        return [proc.conn.recv_bytes() for _ in range(head["inline"])]
    out, start = [], 0
    for n in head["at"]:
        out.append(proc.up.take(start, n))
        start += n
    return out


def schedule(jobs: Sequence[ClientJob], *, data: Sequence[Any] | None) -> list[int]:
    """The order a round's jobs run and their replies are folded in: largest first (examples
    times epochs; the round ends when its last job does, so a small job goes last), ties in job
    order; job order when the clients' ``data`` are unknown. A function of the jobs alone, so
    in process and on workers the server folds the same replies in the same order."""
    if data is None:
        return list(range(len(jobs)))
    cost = [int(data[j.cid].x.shape[0]) * j.instruction.epochs for j in jobs]
    return sorted(range(len(jobs)), key=lambda k: (-cost[k], k))


def _failed(job: ClientJob, error: str) -> ClientReply:
    return ClientReply(cid=job.cid, payload=b"", num_examples=0, error=error)


# --- the worker's side ----------------------------------------------------------------------


def _serve(
    *,
    work: ClientWorker,
    conn: Connection,
    down: Arena,
    up: Arena,
    threads: int,
    parent: int,
    inherited: list[Connection],
) -> None:
    """A worker's loop: run jobs until told to stop, the pipe closes or the parent is gone."""
    for other in inherited:  # the parent's ends, so only the parent keeps a pipe open
        other.close()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    torch.set_num_threads(threads)
    downlinks: dict[tuple[int, int], bytes] = {}
    epoch = -1
    while True:
        if not conn.poll(_PARENT_CHECK_S):
            if os.getppid() != parent:
                return
            continue
        try:
            head = json.loads(conn.recv_bytes())
        except EOFError:
            return
        if head["kind"] == "stop":
            return
        if head["kind"] == "clients":  # the clients whose memory this worker owns
            w, n = head["owner"]
            owned = [c for c in work.client_ids() if c % n == w]
            conn.send_bytes(json.dumps({"cids": owned}).encode())
            continue
        if head["kind"] == "memory":
            cid = int(head["cid"])
            _send_state(conn, up, work.client_memory(cid, feedback=bool(head["feedback"])))
            if head["drop"]:
                work.forget_client(cid, files=False)
            continue
        if head["epoch"] != epoch:  # a new run: the arena holds new downlinks
            downlinks.clear()
            epoch = head["epoch"]
        if head["down"] is None:
            downlink = conn.recv_bytes()
        else:
            at = (int(head["down"][0]), int(head["down"][1]))
            if at not in downlinks:
                downlinks[at] = down.take(*at)
            downlink = downlinks[at]
        job = ClientJob(
            rnd=int(head["rnd"]),
            cid=int(head["cid"]),
            instruction=instruction_from_json(head["instruction"]),
            downlink=downlink,
        )
        try:
            reply = work(job)
        except Exception as exc:  # a failing client must not end the run (as in process)
            reply = ClientReply(cid=job.cid, payload=b"", num_examples=0, error=repr(exc))
        _send_reply(conn, up, reply)


def _send_blobs(conn: Connection, up: Arena, head: dict[str, Any], blobs: list[bytes]) -> None:
    """Send ``head`` (JSON) with ``blobs``: written one after another into this worker's arena
    when they fit together, else on the pipe after the head (``_receive_blobs`` reads both)."""
    up.reset()
    fits = up.fits(sum(len(b) for b in blobs))
    if fits:
        for blob in blobs:
            up.put(blob)
    head = head | {"at": [len(b) for b in blobs], "inline": None if fits else len(blobs)}
    conn.send_bytes(json.dumps(head).encode())
    if not fits:
        for blob in blobs:
            conn.send_bytes(blob)


def _send_reply(conn: Connection, up: Arena, reply: ClientReply) -> None:
    head = {
        "cid": reply.cid,
        "num_examples": reply.num_examples,
        "metrics": reply.metrics,
        "error": reply.error,
    }
    _send_blobs(conn, up, head, [reply.payload, reply.channel_scores, reply.importance])


def _send_state(conn: Connection, up: Arena, state: dict[str, Any]) -> None:
    tensors, tree = split_state(state)
    _send_blobs(conn, up, {"tree": tree}, [save_tensors(tensors)])
