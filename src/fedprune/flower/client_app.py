"""fedprune's client as a Flower ``ClientApp``: decode the job, run the client step, reply.

Each node serves one client, the partition ``partition-id`` of its node config (set by the
simulation, or ``--node-config "partition-id=3"`` on a SuperNode). The server first sends the
experiment config (``query.fedprune_hello``); the node keeps it in its context state and builds
the experiment's client side from it: data set, partition, model and codec exactly as the server
built them, so a client job runs the very code the ``local`` engine runs
(``fedprune.client.ClientWorker``). The node answers the hello with its partition id, which is
how the server routes client ``c``'s job to the node that holds client ``c``'s data. What a
client remembers between rounds (error-feedback residuals, the masks a mask-known downlink
leaves out) is kept in the node's context state, never sent.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from flwr.app import ConfigRecord, Context, Message, RecordDict
from flwr.clientapp import ClientApp

from fedprune.flower.records import (
    MEMORY,
    RECORD,
    job_from_record,
    memory_from_record,
    memory_to_record,
    reply_to_record,
)
from fedprune.messages import ClientReply

if TYPE_CHECKING:
    from fedprune.client import ClientWorker

PARTITION_KEY = "partition-id"

EMPTY_MEMORY: dict[str, dict[str, object]] = {"feedback": {}, "masks": {}}

app = ClientApp()

# built client sides, by config digest: a warm process (a simulation actor) builds one once
_WORKERS: dict[str, ClientWorker] = {}


def config_digest(config_json: str) -> str:
    """The name under which an experiment config travels after the hello."""
    return hashlib.sha256(config_json.encode()).hexdigest()


def partition_of(context: Context) -> int:
    """This node's client id, from its node config."""
    if PARTITION_KEY not in context.node_config:
        raise ValueError(
            f"this SuperNode has no {PARTITION_KEY!r} in its node config; start it with "
            f'--node-config "{PARTITION_KEY}=N"'
        )
    return int(context.node_config[PARTITION_KEY])


def worker_for(config_json: str) -> ClientWorker:
    """The client side of the experiment ``config_json`` describes (built once a process)."""
    digest = config_digest(config_json)
    if digest not in _WORKERS:
        from fedprune.config import ExperimentConfig
        from fedprune.experiment import Experiment

        cfg = ExperimentConfig.model_validate_json(config_json)
        # the client side runs its jobs in this process: never start a nested engine
        local = cfg.model_copy(update={"engine": cfg.engine.model_copy(update={"name": "local"})})
        _WORKERS.clear()  # one experiment at a time per process
        _WORKERS[digest] = Experiment(config=local).worker
    return _WORKERS[digest]


@app.query("fedprune_hello")
def hello(msg: Message, context: Context) -> Message:
    """Keep the experiment config; answer with the client id this node serves."""
    config_json = str(msg.content.config_records[RECORD]["config"])
    context.state.config_records[RECORD] = ConfigRecord({"config": config_json})
    answer = ConfigRecord({"partition": partition_of(context)})
    return Message(RecordDict({RECORD: answer}), reply_to=msg)


@app.train("fedprune")
def train(msg: Message, context: Context) -> Message:
    """Run one client job; a job that raises is answered with its error, as ``local`` does."""
    job, digest = job_from_record(msg.content)
    try:
        kept = context.state.config_records.get(RECORD)
        if kept is None or config_digest(str(kept["config"])) != digest:
            raise RuntimeError("this node holds no config for the job (no hello received)")
        if job.cid != partition_of(context):
            raise RuntimeError(
                f"job for client {job.cid} sent to node of client {partition_of(context)}"
            )
        worker = worker_for(str(kept["config"]))
        # this client's memory only: a simulation actor's worker serves many nodes in turn
        memory = context.state.config_records.get(MEMORY)
        worker.load_state_dict(memory_from_record(memory) if memory else EMPTY_MEMORY)
        reply = worker(job)
        context.state.config_records[MEMORY] = memory_to_record(worker.state_dict())
    except Exception as exc:  # a failing client must not end the run
        reply = ClientReply(cid=job.cid, payload=b"", num_examples=0, error=repr(exc))
    return Message(reply_to_record(reply), reply_to=msg)
