"""A corrupt upload or a crashing client is dropped; the run goes on and says so."""

from collections.abc import Iterator, Sequence
from dataclasses import replace

from fedprune.config import build_config
from fedprune.engine.local import LocalEngine
from fedprune.experiment import Experiment
from fedprune.messages import ClientJob, ClientReply

TINY = [
    "data.dataset=digits",
    "data.num_clients=6",
    "federation.clients_per_round=3",
    "federation.rounds=2",
    "model.name=mlp",
    "train.epochs=1",
]


class CorruptFirstUpload(LocalEngine):
    def stream(self, *, jobs: Sequence[ClientJob], work) -> Iterator[ClientReply]:  # type: ignore[no-untyped-def]
        replies = super().stream(jobs=jobs, work=work)
        first = next(replies)
        bad = bytearray(first.payload)
        bad[len(bad) // 2] ^= 0xFF
        yield replace(first, payload=bytes(bad))
        yield from replies


def test_corrupt_upload_is_rejected_and_counted_but_its_bytes_are_still_ledgered() -> None:
    clean = Experiment(config=build_config(overrides=TINY)).run()
    exp = Experiment(config=build_config(overrides=TINY))
    exp.engine = CorruptFirstUpload()

    result = exp.run()

    assert result.summary["rejected_updates"] == 2  # one a round
    assert all(len(r["clients"]) == 2 for r in result.rounds)
    # the flipped byte keeps the length: round 1 (same start) carried exactly the clean bytes
    assert result.rounds[0]["bytes_up"] == clean.rounds[0]["bytes_up"]
    assert result.rounds[0]["accuracy"] != clean.rounds[0]["accuracy"]


def test_crashing_client_is_counted_and_the_round_goes_on() -> None:
    exp = Experiment(config=build_config(overrides=TINY))
    calls = {"n": 0}
    real = exp.worker

    def flaky(job: ClientJob) -> ClientReply:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("device lost")
        return real(job)

    exp.worker = flaky  # type: ignore[assignment]
    result = exp.run()

    assert result.summary["failed_clients"] == 1
    assert len(result.rounds[0]["clients"]) == 2
    assert len(result.rounds[1]["clients"]) == 3
