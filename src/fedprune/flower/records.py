"""fedprune's jobs and replies as Flower records: JSON-safe values and codec bytes, no pickles.

A job travels as one ``ConfigRecord`` holding the round, the client id, the instruction as JSON
and the downlink's codec bytes; a reply as the uplink's codec bytes, the example count, the
metrics as JSON and, when the client failed, its error. A client's memory between rounds
(error-feedback residuals, cached masks) stays on its node, in the node's context state, as
safetensors bytes and a JSON tree. Dense arrays never travel: the codec
bytes are what Flower carries, so Flower's wire is as sparse as fedprune's ledger says.
"""

from __future__ import annotations

import json
from typing import Any

from flwr.app import ConfigRecord, Message, RecordDict
from flwr.supercore.inflatable.inflatable_object import get_all_nested_objects
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors

from fedprune.checkpoint.split import join_state, split_state
from fedprune.messages import (
    ClientJob,
    ClientReply,
    instruction_from_json,
    instruction_to_json,
)

RECORD = "fedprune"
MEMORY = "fedprune_memory"
TRAIN = "train.fedprune"
HELLO = "query.fedprune_hello"


def job_to_record(job: ClientJob, *, digest: str) -> RecordDict:
    """One job's content; ``digest`` names the experiment config the client must run."""
    return RecordDict(
        {
            RECORD: ConfigRecord(
                {
                    "round": job.rnd,
                    "cid": job.cid,
                    "instruction": instruction_to_json(job.instruction),
                    "downlink": job.downlink,
                    "config": digest,
                }
            )
        }
    )


def job_from_record(content: RecordDict) -> tuple[ClientJob, str]:
    """The job and the config digest of ``job_to_record``'s content."""
    rec = content.config_records[RECORD]
    job = ClientJob(
        rnd=int(rec["round"]),  # type: ignore[arg-type]
        cid=int(rec["cid"]),  # type: ignore[arg-type]
        instruction=instruction_from_json(str(rec["instruction"])),
        downlink=bytes(rec["downlink"]),  # type: ignore[arg-type]
    )
    return job, str(rec["config"])


def reply_to_record(reply: ClientReply) -> RecordDict:
    """One reply's content: codec bytes and scalars."""
    values: dict[str, Any] = {
        "cid": reply.cid,
        "payload": reply.payload,
        "num_examples": reply.num_examples,
        "metrics": json.dumps(reply.metrics, sort_keys=True),
        "channel_scores": reply.channel_scores,
        "importance": reply.importance,
    }
    if reply.error is not None:
        values["error"] = reply.error
    return RecordDict({RECORD: ConfigRecord(values)})


def reply_from_record(content: RecordDict) -> ClientReply:
    """Inverse of ``reply_to_record``."""
    rec = content.config_records[RECORD]
    return ClientReply(
        cid=int(rec["cid"]),  # type: ignore[arg-type]
        payload=bytes(rec["payload"]),  # type: ignore[arg-type]
        num_examples=int(rec["num_examples"]),  # type: ignore[arg-type]
        metrics={k: float(v) for k, v in json.loads(str(rec["metrics"])).items()},
        error=str(rec["error"]) if "error" in rec else None,
        channel_scores=bytes(rec["channel_scores"]),  # type: ignore[arg-type]
        importance=bytes(rec["importance"]),  # type: ignore[arg-type]
    )


def wire_size(message: Message) -> int:
    """Bytes of ``message`` as Flower serialises it for the wire: the deflated message and every
    object under it (records, arrays), each with its object header; gRPC framing excluded."""
    return sum(len(obj.deflate()) for obj in get_all_nested_objects(message).values())


def memory_to_record(state: dict[str, Any]) -> ConfigRecord:
    """A ``ClientWorker.state_dict()`` as safetensors bytes plus its JSON tree (no pickles)."""
    tensors, tree = split_state(state)
    return ConfigRecord({"tensors": save_tensors(tensors), "tree": json.dumps(tree)})


def memory_from_record(record: ConfigRecord) -> dict[str, Any]:
    """Inverse of ``memory_to_record``."""
    tensors = load_tensors(bytes(record["tensors"]))  # type: ignore[arg-type]
    return join_state(json.loads(str(record["tree"])), tensors)
