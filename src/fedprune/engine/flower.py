"""The ``flower`` engine: each round's client jobs travel as Flower messages (``fedprune[flower]``).

Why an engine and not a Flower ``Strategy``: fedprune's server loop (sampling, strategy,
downlink encoding, validation, aggregation, ledger) stays in ``Experiment``, unchanged, so the
``local`` and ``flower`` engines differ only in where ``ClientWorker`` runs. Client seeds are
keyed by (seed, round, client) and each Flower node rebuilds the same client side from the
config (``fedprune.flower.client_app``), so both engines produce the same uplink bytes and the
same model. Bytes stay honest: the ledger still counts ``len()`` of the codec payloads, and
Flower carries exactly those bytes (``fedprune.flower.records``); ``round_metrics`` adds what
Flower itself serialised for the round (``wire_bytes_up``/``wire_bytes_down``), so the two can
be compared.

Two ways to reach Flower nodes, one exchange (``FlowerEngine.exchange``):

- **simulation** (``engine.name = "flower"``): the first ``run`` starts Flower's simulation
  runtime (Ray backend, one virtual SuperNode per client, ``engine.client_cpus`` CPUs per actor,
  on the Ray cluster at ``engine.ray_address`` if set) in a thread whose ``ServerApp`` relays
  each round's jobs; ``close`` ends it.
- **deployment**: ``fedprune.flower.server_app`` builds the ``Experiment`` inside a Flower
  ``ServerApp`` and hands this engine the SuperLink's ``Grid`` (``flwr run`` of
  ``examples/fedprune-flower``, on SuperNodes, or on a ``--simulation`` SuperLink's Ray runtime).

Client memory that outlives a round (error-feedback residuals, a mask-known downlink's masks)
stays on the node, in its Flower context state. Refused: secure aggregation (its key rounds
are in-process).
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from fedprune.engine.base import ENGINES, ClientWork, Engine
from fedprune.messages import ClientJob, ClientReply

if TYPE_CHECKING:
    from fedprune.config import ExperimentConfig

_STOP = None
POLL_S = 0.25  # between pulls of replies from the SuperLink


def check_supported(config: ExperimentConfig) -> None:
    """Raise ``ValueError`` for what the ``flower`` engine cannot run."""
    if config.secagg.enabled:
        raise ValueError("engine.name = 'flower' does not run secure aggregation: secagg.enabled")


@ENGINES.register("flower")
class FlowerEngine(Engine):
    """Runs client jobs on Flower nodes; see the module docstring for the two modes."""

    def __init__(self, *, config: ExperimentConfig, grid: Any | None = None) -> None:
        self.config_json = config.model_dump_json()
        self.num_clients = config.data.num_clients
        self.engine_cfg = config.engine
        self.grid = grid
        self.nodes: dict[int, int] = {}  # client id -> node id
        self._asked: set[int] = set()  # nodes already sent the hello
        self._wire = {"wire_bytes_up": 0, "wire_bytes_down": 0}
        self._thread: threading.Thread | None = None
        self._inbox: queue.Queue[list[ClientJob] | None] = queue.Queue()
        self._outbox: queue.Queue[list[ClientReply] | BaseException] = queue.Queue()
        self._failure: BaseException | None = None

    @classmethod
    def from_config(cls, config: ExperimentConfig) -> FlowerEngine:
        check_supported(config)
        return cls(config=config)

    def round_metrics(self) -> dict[str, Any]:
        """Flower's serialised bytes of the last round's job and reply messages."""
        return dict(self._wire)

    def run(self, *, jobs: Sequence[ClientJob], work: ClientWork) -> list[ClientReply]:
        # ``work`` is this process's ClientWorker: Flower nodes run their own copy
        if self.grid is not None:
            return self.exchange(self.grid, jobs)
        if self._thread is None:
            self._start_simulation()
        assert self._thread is not None
        self._inbox.put(list(jobs))
        while True:
            try:
                result = self._outbox.get(timeout=1.0)
            except queue.Empty:
                if not self._thread.is_alive():
                    raise RuntimeError(
                        f"Flower's simulation stopped: {self._failure!r}"
                    ) from self._failure
                continue
            if isinstance(result, BaseException):
                raise RuntimeError(f"the Flower round failed: {result!r}") from result
            return result

    def close(self) -> None:
        if self._thread is not None:
            self._inbox.put(_STOP)
            self._thread.join(timeout=120)
            self._thread = None

    # --- the exchange, on any Grid ----------------------------------------------------------

    def exchange(self, grid: Any, jobs: Sequence[ClientJob]) -> list[ClientReply]:
        """Send each job to its client's node, wait for the replies, count Flower's bytes."""
        from flwr.app import Message

        from fedprune.flower.client_app import config_digest
        from fedprune.flower.records import TRAIN, job_to_record, reply_from_record, wire_size

        self._connect(grid, wanted={j.cid for j in jobs})
        digest = config_digest(self.config_json)
        replies: dict[int, ClientReply] = {}
        sent: dict[int, Any] = {}  # node id -> message
        for job in jobs:
            node = self.nodes.get(job.cid)
            if node is None:
                replies[job.cid] = _failed(job.cid, f"no Flower node serves client {job.cid}")
                continue
            sent[node] = Message(
                job_to_record(job, digest=digest),
                dst_node_id=node,
                message_type=TRAIN,
                group_id=str(job.rnd),
            )
        answers = self._send_and_receive(grid, list(sent.values()))
        self._wire = {
            "wire_bytes_down": sum(wire_size(m) for m in sent.values()),
            "wire_bytes_up": sum(wire_size(m) for m in answers),
        }
        cid_of = {node: cid for cid, node in self.nodes.items()}
        for answer in answers:
            cid = cid_of[answer.metadata.src_node_id]
            if answer.has_error():
                replies[cid] = _failed(cid, f"Flower error: {answer.error.reason}")
            else:
                replies[cid] = reply_from_record(answer.content)
        return [
            replies.get(j.cid) or _failed(j.cid, f"no reply within {self.engine_cfg.timeout} s")
            for j in jobs
        ]

    def _connect(self, grid: Any, *, wanted: set[int]) -> None:
        """Send the config to nodes not yet greeted and learn which client each serves; wait
        (up to the timeout) until a node serves every client in ``wanted``."""
        from flwr.app import ConfigRecord, Message, RecordDict

        from fedprune.flower.records import HELLO, RECORD

        deadline = time.monotonic() + self.engine_cfg.timeout
        while True:
            new = [n for n in grid.get_node_ids() if n not in self._asked]
            if new:
                hello = RecordDict({RECORD: ConfigRecord({"config": self.config_json})})
                messages = [Message(hello, dst_node_id=n, message_type=HELLO) for n in new]
                self._asked.update(new)
                for answer in self._send_and_receive(grid, messages):
                    if not answer.has_error():
                        cid = int(answer.content.config_records[RECORD]["partition"])
                        self.nodes[cid] = answer.metadata.src_node_id
            if wanted <= set(self.nodes) or time.monotonic() > deadline:
                return
            time.sleep(1.0)

    def _send_and_receive(self, grid: Any, messages: list[Any]) -> list[Any]:
        """``Grid.send_and_receive`` with a short poll: the deployed grid's own sleeps 3 s
        between pulls, which a round would pay on top of the SuperNodes' 3 s polls."""
        waiting = set(grid.push_messages(messages))
        deadline = time.monotonic() + self.engine_cfg.timeout
        answers: list[Any] = []
        while waiting and time.monotonic() < deadline:
            pulled = list(grid.pull_messages(waiting))
            answers += pulled
            waiting -= {m.metadata.reply_to_message_id for m in pulled}
            if waiting:
                time.sleep(POLL_S)
        return answers

    # --- the simulation runtime, in a thread ------------------------------------------------

    def _start_simulation(self) -> None:
        from flwr.serverapp import ServerApp

        server_app = ServerApp()

        @server_app.main()
        def relay(grid: Any, context: Any) -> None:
            while (jobs := self._inbox.get()) is not _STOP:
                assert jobs is not None
                try:
                    self._outbox.put(self.exchange(grid, jobs))
                except Exception as exc:  # handed to the waiting run(), which raises it
                    self._outbox.put(exc)
                    return

        self._thread = threading.Thread(
            target=self._simulate, args=(server_app,), name="flower-simulation", daemon=True
        )
        self._thread.start()

    def _simulate(self, server_app: Any) -> None:
        from flwr.simulation import run_simulation

        from fedprune.flower.client_app import app as client_app

        init_args: dict[str, Any] = {"include_dashboard": False}
        if self.engine_cfg.ray_address is not None:
            init_args["address"] = self.engine_cfg.ray_address
        try:
            run_simulation(
                server_app=server_app,
                client_app=client_app,
                num_supernodes=self.num_clients,
                backend_config={
                    "client_resources": {
                        "num_cpus": self.engine_cfg.client_cpus,
                        "num_gpus": 0.0,
                    },
                    "init_args": init_args,
                },
            )
        except BaseException as exc:  # reported by run() once this thread is gone
            self._failure = exc


def _failed(cid: int, error: str) -> ClientReply:
    return ClientReply(cid=cid, payload=b"", num_examples=0, error=error)
