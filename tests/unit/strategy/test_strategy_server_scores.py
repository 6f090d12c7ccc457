"""Server-side scores without data: pseudo-gradients for SNIP/Taylor, seeded random."""

from __future__ import annotations

import torch

from fedprune.messages import GlobalModel, Instruction, PruneOrder, Update
from fedprune.prune import PRUNERS, Schedule
from fedprune.strategy import ClientSidePruning, FedAvg, ServerSidePruning
from fedprune.strategy.server_scores import server_scores

T, F = True, False
INSTR = Instruction(epochs=1, batch_size=8, lr=0.1)


class Every(Schedule):
    def __init__(self, target: float) -> None:
        self.value = target

    def target(self, rnd: int) -> float | None:
        return self.value


def model(w: list[float]) -> GlobalModel:
    return GlobalModel(
        params={"w": torch.tensor(w)}, masks={"w": torch.ones(len(w), dtype=torch.bool)}
    )


BEFORE = model([1.0, 2.0, 3.0, 4.0])
AFTER = model([1.5, 1.0, 3.0, 2.0])  # pseudo-gradient before - after = [-0.5, 1, 0, 2]


def test_taylor_scores_the_aggregate_with_the_pseudo_gradient() -> None:
    scores = server_scores(criterion="taylor", before=BEFORE, after=AFTER, seed=0, rnd=1)

    assert torch.equal(scores["w"], torch.tensor([0.75, 1.0, 0.0, 4.0]))


def test_snip_scores_the_round_start_model_with_the_pseudo_gradient() -> None:
    scores = server_scores(criterion="snip", before=BEFORE, after=AFTER, seed=0, rnd=1)

    assert torch.equal(scores["w"], torch.tensor([0.5, 2.0, 0.0, 8.0]))


def test_magnitude_and_shrink_score_the_aggregate() -> None:
    for name in ("magnitude", "shrink"):
        scores = server_scores(criterion=name, before=BEFORE, after=AFTER, seed=0, rnd=1)

        assert torch.equal(scores["w"], torch.tensor([1.5, 1.0, 3.0, 2.0])), name


def test_random_depends_on_seed_and_round_only() -> None:
    def draw(seed: int, rnd: int) -> torch.Tensor:
        scores = server_scores(criterion="random", before=BEFORE, after=AFTER, seed=seed, rnd=rnd)
        return scores["w"]

    assert torch.equal(draw(3, 2), draw(3, 2))
    assert not torch.equal(draw(3, 2), draw(4, 2))
    assert not torch.equal(draw(3, 2), draw(3, 3))


def update(w: list[float]) -> Update:
    return Update(
        cid=0,
        num_examples=1,
        params={"w": torch.tensor(w)},
        masks={"w": torch.ones(4, dtype=torch.bool)},
    )


def test_server_side_taylor_prunes_the_smallest_weight_times_update() -> None:
    strategy = ServerSidePruning(
        inner=FedAvg(instruction=INSTR),
        criterion="taylor",
        pruner=PRUNERS.get("global")(),
        schedule=Every(0.5),
    )

    new = strategy.aggregate(rnd=1, model=BEFORE, updates=[update([1.5, 1.0, 3.0, 2.0])])

    # scores [0.75, 1, 0, 4]: the weight 3.0 did not move, so it goes before the weight 1.0
    assert new.masks["w"].tolist() == [F, T, F, T]
    assert new.params["w"].tolist() == [0.0, 1.0, 0.0, 2.0]


def test_client_side_reconciliation_with_random_is_reproducible_and_honours_the_target() -> None:
    def reconcile(seed: int) -> torch.Tensor:
        strategy = ClientSidePruning(
            inner=FedAvg(instruction=INSTR),
            order=PruneOrder(pruner="global", criterion="random", target=0.5),
            pruner=PRUNERS.get("global")(),
            schedule=Every(0.5),
            seed=seed,
        )
        big = model([1.0] * 64)
        up = Update(
            cid=0,
            num_examples=1,
            params={"w": torch.ones(64)},
            masks={"w": torch.ones(64, dtype=torch.bool)},
        )
        return strategy.aggregate(rnd=1, model=big, updates=[up]).masks["w"]

    first, again, other = reconcile(0), reconcile(0), reconcile(1)

    assert torch.equal(first, again)
    assert not torch.equal(first, other)
    assert int((~first).sum()) == 32
