"""The ledger of a real run equals the sum of the payload lengths that crossed the engine."""

from collections.abc import Iterator, Sequence

from fedprune.config import build_config
from fedprune.engine.local import LocalEngine
from fedprune.experiment import Experiment
from fedprune.messages import ClientJob, ClientReply


class SpyEngine(LocalEngine):
    """Runs clients locally and remembers every payload it carried."""

    def __init__(self) -> None:
        super().__init__()
        self.down: list[tuple[int, int, int]] = []
        self.up: list[tuple[int, int, int]] = []

    def stream(self, *, jobs: Sequence[ClientJob], work) -> Iterator[ClientReply]:  # type: ignore[no-untyped-def]
        for job in jobs:
            self.down.append((job.rnd, job.cid, len(job.downlink)))
        for reply in super().stream(jobs=jobs, work=work):
            self.up.append((jobs[0].rnd, reply.cid, len(reply.payload)))
            yield reply


def test_ledger_equals_sum_of_payload_lengths_per_round_and_direction() -> None:
    cfg = build_config(
        overrides=[
            "data.dataset=digits",
            "data.num_clients=6",
            "federation.clients_per_round=3",
            "federation.rounds=3",
            "model.name=mlp",
            "train.epochs=1",
            "pruning.end_round=2",
        ]
    )
    exp = Experiment(config=cfg)
    spy = SpyEngine()
    exp.engine = spy

    result = exp.run()

    for row in result.rounds:
        rnd = row["round"]
        assert row["bytes_up"] == sum(n for r, _, n in spy.up if r == rnd)
        assert row["bytes_down"] == sum(n for r, _, n in spy.down if r == rnd)
    assert result.summary["bytes_up_total"] == sum(n for *_, n in spy.up)
    assert result.summary["bytes_down_total"] == sum(n for *_, n in spy.down)
    # at 80% sparsity each upload (bitmap + kept values) is well under a dense fp32 model
    dense_uploads = 3 * result.summary["model_bytes_dense"]
    assert result.rounds[-1]["bytes_up"] < 0.3 * dense_uploads
