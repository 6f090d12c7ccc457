"""The embedded in-process engine (default)."""

from __future__ import annotations

from collections.abc import Sequence

from fedprune.engine.base import ENGINES, ClientWork, Engine
from fedprune.messages import ClientJob, ClientReply


@ENGINES.register("local")
class LocalEngine(Engine):
    """Runs clients one after another in this process; bytes still go through the codec."""

    def run(self, *, jobs: Sequence[ClientJob], work: ClientWork) -> list[ClientReply]:
        replies = []
        for job in jobs:
            try:
                replies.append(work(job))
            except Exception as exc:  # a failing client must not end the run
                replies.append(
                    ClientReply(cid=job.cid, payload=b"", num_examples=0, error=repr(exc))
                )
        return replies
