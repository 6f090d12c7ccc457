"""Streaming aggregation: a strategy's fold gives the bits its aggregate gives, or none."""

from __future__ import annotations

import copy

import pytest
import torch

from fedprune.aggregate import weighted_mean
from fedprune.aggregate.mean import RunningMean
from fedprune.messages import GlobalModel, Instruction, PruneOrder, Update
from fedprune.prune import PRUNERS, Schedule
from fedprune.strategy import (
    ClientSidePruning,
    FedAdam,
    FedAvg,
    FedAvgM,
    FedProx,
    ServerSidePruning,
    Strategy,
)

INSTR = Instruction(epochs=1, batch_size=8, lr=0.1)


class Every(Schedule):
    def target(self, rnd: int) -> float | None:
        return 0.5


def updates(seed: int, k: int = 5) -> list[Update]:
    g = torch.Generator().manual_seed(seed)
    return [
        Update(
            cid=i,
            num_examples=int(torch.randint(1, 50, (1,), generator=g)),
            params={"w": torch.randn(6, 4, generator=g), "b": torch.randn(4, generator=g)},
            masks={"w": torch.ones(6, 4, dtype=torch.bool)},
        )
        for i in range(k)
    ]


def start() -> GlobalModel:
    mask = torch.ones(6, 4, dtype=torch.bool)
    mask[0] = False
    return GlobalModel(params={"w": torch.zeros(6, 4), "b": torch.zeros(4)}, masks={"w": mask})


def folded(strategy: Strategy, rnd: int, model: GlobalModel, ups: list[Update]) -> GlobalModel:
    fold = strategy.stream(rnd=rnd, model=model)
    assert fold is not None
    for u in ups:
        fold.add(u)
    return fold.finish()


STREAMING = {
    "fedavg": lambda: FedAvg(instruction=INSTR),
    "fedprox": lambda: FedProx(instruction=INSTR, prox_mu=0.1),
    "fedavgm": lambda: FedAvgM(instruction=INSTR),
    "fedadam": lambda: FedAdam(instruction=INSTR),
    "server pruning": lambda: ServerSidePruning(
        inner=FedAvgM(instruction=INSTR),
        criterion="magnitude",
        pruner=PRUNERS.get("global")(),
        schedule=Every(),
    ),
}


def client_pruned(seed: int) -> list[Update]:
    """Updates whose clients pruned differently (random masks, pruned entries zero)."""
    g = torch.Generator().manual_seed(100 + seed)
    out = []
    for u in updates(seed):
        keep = torch.rand(6, 4, generator=g) < 0.6
        params = {"w": u.params["w"] * keep, "b": u.params["b"]}
        out.append(Update(cid=u.cid, num_examples=u.num_examples, params=params, masks={"w": keep}))
    return out


STREAMING["client pruning"] = lambda: ClientSidePruning(
    inner=FedAvg(instruction=INSTR),
    order=PruneOrder(pruner="global", criterion="magnitude", target=0.5),
    pruner=PRUNERS.get("global")(),
    schedule=Every(),
)


@pytest.mark.parametrize("name", list(STREAMING))
def test_the_fold_gives_the_aggregates_bits_round_after_round(name: str) -> None:
    listed, streamed = STREAMING[name](), STREAMING[name]()
    a = b = start()
    for rnd in (1, 2, 3):  # server optimisers carry moments from round to round
        ups = client_pruned(rnd) if name == "client pruning" else updates(rnd)
        a = listed.aggregate(rnd=rnd, model=a, updates=ups)
        b = folded(streamed, rnd, b, ups)
        for n in a.params:
            assert torch.equal(a.params[n], b.params[n]), (rnd, n)
        for n in a.masks:
            assert torch.equal(a.masks[n], b.masks[n]), (rnd, n)
    assert copy.deepcopy(listed.state_dict()).keys() == streamed.state_dict().keys()


def test_rules_that_need_every_update_do_not_stream() -> None:
    m = start()
    order = PruneOrder(pruner="global", criterion="magnitude", target=0.5)
    client = ClientSidePruning(
        inner=FedAvg(instruction=INSTR, aggregator="median"),
        order=order,
        pruner=PRUNERS.get("global")(),
        schedule=Every(),
    )
    assert FedAvg(instruction=INSTR, aggregator="median").stream(rnd=1, model=m) is None
    assert FedAvg(instruction=INSTR, aggregator="masked_mean").stream(rnd=1, model=m) is None
    assert client.stream(rnd=1, model=m) is None


def test_running_mean_is_the_weighted_mean_and_checks_its_inputs() -> None:
    mean = RunningMean()
    mean.add(tensors={"x": torch.tensor([1.0, 2.0])}, weight=1)
    mean.add(tensors={"x": torch.tensor([4.0, 8.0])}, weight=3)
    assert mean.result()["x"].tolist() == [3.25, 6.5]
    assert torch.equal(
        weighted_mean(
            tensors=[{"x": torch.tensor([1.0, 2.0])}, {"x": torch.tensor([4.0, 8.0])}],
            weights=[1, 3],
        )["x"],
        mean.result()["x"],
    )
    with pytest.raises(ValueError, match="shape"):
        mean.add(tensors={"x": torch.zeros(3)}, weight=1)
    with pytest.raises(ValueError, match="tensors"):
        mean.add(tensors={"y": torch.zeros(2)}, weight=1)
    with pytest.raises(ValueError, match="zero updates"):
        RunningMean().result()


def test_a_subclass_with_its_own_aggregate_does_not_inherit_the_fold() -> None:
    class Halved(FedAvg):
        def aggregate(self, *, rnd, model, updates):
            return super().aggregate(rnd=rnd, model=model, updates=updates[: len(updates) // 2])

    assert Halved(instruction=INSTR).stream(rnd=1, model=start()) is None
