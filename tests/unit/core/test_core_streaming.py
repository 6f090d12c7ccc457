"""The server takes each reply as the engine hands it on: a round never holds them all."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest

from fedprune.config import build_config
from fedprune.engine.local import LocalEngine
from fedprune.experiment import Experiment
from fedprune.messages import ClientJob, ClientReply

TINY = [
    "data.dataset=digits",
    "data.num_clients=6",
    "federation.clients_per_round=4",
    "federation.rounds=2",
    "model.name=mlp",
    "train.epochs=1",
]


class Watching(LocalEngine):
    """Notes, each time the server asks for the next reply, how many uploads it has ledgered."""

    def __init__(self, exp: Experiment) -> None:
        super().__init__(workers=1)
        self.exp = exp
        self.seen: list[tuple[int, int]] = []  # (replies handed on, uploads ledgered)

    def stream(self, *, jobs: Sequence[ClientJob], work) -> Iterator[ClientReply]:  # type: ignore[no-untyped-def]
        rnd = jobs[0].rnd
        for handed, reply in enumerate(super().stream(jobs=jobs, work=work)):
            ups = [e for e in self.exp.ledger.entries if e.rnd == rnd and e.direction == "up"]
            self.seen.append((handed, len(ups)))
            yield reply


@pytest.mark.parametrize("extra", [[], ["pruning.mode=server"]], ids=["client", "server"])
def test_each_reply_is_taken_before_the_next_is_asked_for(extra: list[str]) -> None:
    exp = Experiment(config=build_config(overrides=[*TINY, *extra]))
    exp.engine = Watching(exp)

    result = exp.run()

    assert len(exp.engine.seen) == 8  # 4 replies x 2 rounds
    assert all(ups == handed for handed, ups in exp.engine.seen)
    assert all(len(r["clients"]) == 4 for r in result.rounds)


def test_with_edge_simulation_the_round_runs_whole_first() -> None:
    exp = Experiment(config=build_config(overrides=[*TINY, "edge.enabled=true"]))
    assert exp.edge is not None
    exp.engine = Watching(exp)

    exp.run()

    assert exp.engine.seen == []  # run(), not stream(): every upload's size is needed first
