"""FedAvgM, FedAdam, FedYogi, FedAdagrad as strategies: rounds, masks, state, composition."""

from __future__ import annotations

import pytest
import torch

from fedprune.messages import GlobalModel, Instruction, PruneOrder, Update
from fedprune.prune import PRUNERS, Schedule
from fedprune.strategy import (
    STRATEGIES,
    ClientSidePruning,
    FedAdagrad,
    FedAdam,
    FedAvg,
    FedAvgM,
    FedOpt,
    FedYogi,
    ServerSidePruning,
)

T, F = True, False
INSTR = Instruction(epochs=1, batch_size=8, lr=0.1)
OPTIMISERS = {"fedavgm": FedAvgM, "fedadam": FedAdam, "fedyogi": FedYogi, "fedadagrad": FedAdagrad}


class Every(Schedule):
    def __init__(self, target: float) -> None:
        self.value = target

    def target(self, rnd: int) -> float | None:
        return self.value


def model(w: list[float], mask: list[bool]) -> GlobalModel:
    return GlobalModel(
        params={"w": torch.tensor(w), "b": torch.zeros(1)}, masks={"w": torch.tensor(mask)}
    )


def update(w: list[float], n: int = 1, b: float = 0.0) -> Update:
    return Update(
        cid=0,
        num_examples=n,
        params={"w": torch.tensor(w), "b": torch.tensor([b])},
        masks={"w": torch.ones(len(w), dtype=torch.bool)},
    )


def test_every_optimiser_is_registered() -> None:
    for name, cls in OPTIMISERS.items():
        assert STRATEGIES.get(name) is cls
        assert issubclass(cls, FedOpt) and issubclass(cls, FedAvg)


def test_fedavgm_with_unit_lr_and_no_momentum_is_fedavg() -> None:
    ups = [update([1.0, 5.0, 3.0], n=1, b=1.0), update([5.0, 9.0, 7.0], n=3, b=5.0)]
    fedavg, fedavgm = (
        FedAvg(instruction=INSTR),
        FedAvgM(instruction=INSTR, server_lr=1.0, server_momentum=0.0),
    )

    for rnd in (1, 2):
        a = fedavg.aggregate(rnd=rnd, model=model([0.5, 0.5, 0.5], [T, F, T]), updates=ups)
        b = fedavgm.aggregate(rnd=rnd, model=model([0.5, 0.5, 0.5], [T, F, T]), updates=ups)
        assert torch.equal(a.params["w"], b.params["w"])
        assert torch.equal(a.params["b"], b.params["b"])


def test_fedavgm_two_rounds_with_momentum() -> None:
    opt = FedAvgM(instruction=INSTR, server_lr=1.0, server_momentum=0.5)

    # round 1: delta 1, m 1 -> w 1; round 2: delta 1, m 1.5 -> w 2.5
    first = opt.aggregate(rnd=1, model=model([0.0], [T]), updates=[update([1.0])])
    second = opt.aggregate(rnd=2, model=first, updates=[update([2.0])])

    assert torch.equal(first.params["w"], torch.tensor([1.0]))
    assert torch.equal(second.params["w"], torch.tensor([2.5]))


def test_fedadam_stationary_pseudo_gradient_moves_by_about_the_server_lr() -> None:
    opt = FedAdam(instruction=INSTR, server_lr=0.01, tau=1e-3)
    current = model([0.0, 0.0], [T, T])
    for rnd in range(1, 6):
        w = current.params["w"]
        new = opt.aggregate(
            rnd=rnd, model=current, updates=[update((w + torch.tensor([1.0, -1.0])).tolist())]
        )
        torch.testing.assert_close(
            new.params["w"] - w, torch.tensor([0.01, -0.01]), rtol=2e-3, atol=0
        )
        current = new


@pytest.mark.parametrize("name", sorted(OPTIMISERS))
def test_pruned_entries_stay_zero_and_their_moments_do_not_leak(name: str) -> None:
    # Round 1 builds moments on every entry; the global mask then prunes entry 1 (as a pruning
    # wrapper would); round 3 regrows it. A regrown entry must start from fresh moments.
    opt, fresh = OPTIMISERS[name](instruction=INSTR), OPTIMISERS[name](instruction=INSTR)
    first = opt.aggregate(rnd=1, model=model([0.0, 0.0], [T, T]), updates=[update([1.0, 1.0])])
    pruned = model([float(first.params["w"][0]), 0.0], [T, F])

    second = opt.aggregate(rnd=2, model=pruned, updates=[update([3.0, 3.0])])

    assert second.params["w"][1] == 0.0
    assert torch.equal(second.masks["w"], torch.tensor([T, F]))
    assert all(opt.moments[s]["w"][1] == 0.0 for s in opt.slots)

    regrown = model([float(second.params["w"][0]), 0.0], [T, T])
    third = opt.aggregate(rnd=3, model=regrown, updates=[update([0.0, 1.0])])
    fresh.steps = opt.steps - 1  # same bias correction, no history
    reference = fresh.aggregate(rnd=3, model=model([0.0], [T]), updates=[update([1.0])])
    assert third.params["w"][1] == reference.params["w"][0]


def test_non_float_tensors_take_the_aggregate() -> None:
    opt = FedAdam(instruction=INSTR, server_lr=0.5)
    old = GlobalModel(params={"w": torch.zeros(1), "n": torch.tensor([2])}, masks={})
    up = Update(
        cid=0, num_examples=1, params={"w": torch.ones(1), "n": torch.tensor([7])}, masks={}
    )

    new = opt.aggregate(rnd=1, model=old, updates=[up])

    assert torch.equal(new.params["n"], torch.tensor([7]))
    assert new.params["w"].dtype == torch.float32


def test_state_dict_round_trip_resumes_identically() -> None:
    a, b = FedYogi(instruction=INSTR), FedYogi(instruction=INSTR)
    current = model([0.0, 0.0], [T, T])
    for rnd, w in enumerate(([1.0, -1.0], [0.5, 2.0]), start=1):
        current = a.aggregate(rnd=rnd, model=current, updates=[update(w)])

    b.load_state_dict(a.state_dict())
    ups = [update([3.0, 1.0])]
    out_a = a.aggregate(rnd=3, model=current, updates=ups)
    out_b = b.aggregate(rnd=3, model=current, updates=ups)

    assert torch.equal(out_a.params["w"], out_b.params["w"])
    assert b.steps == a.steps == 3


def test_state_dict_is_a_copy_and_bad_states_are_rejected() -> None:
    opt = FedAvgM(instruction=INSTR)
    opt.aggregate(rnd=1, model=model([0.0], [T]), updates=[update([1.0])])

    state = opt.state_dict()
    state["m"]["w"].add_(100.0)

    assert opt.moments["m"]["w"] == torch.tensor([1.0])
    assert set(state) == {"steps", "m"}
    with pytest.raises(ValueError, match="expected"):
        opt.load_state_dict({"steps": 1, "m": {}, "v": {}})


@pytest.mark.parametrize(
    ("cls", "kwargs", "field"),
    [
        (FedAvgM, {"server_lr": 0.0}, "server_lr"),
        (FedAvgM, {"server_momentum": 1.0}, "server_momentum"),
        (FedAdam, {"beta1": 1.0}, "beta1"),
        (FedAdam, {"beta2": -0.1}, "beta2"),
        (FedYogi, {"tau": 0.0}, "tau"),
        (FedAdagrad, {"server_lr": -1.0}, "server_lr"),
    ],
)
def test_bad_hyperparameters_are_rejected(cls: type, kwargs: dict, field: str) -> None:
    with pytest.raises(ValueError, match=field):
        cls(instruction=INSTR, **kwargs)


def test_server_side_pruning_composes_with_a_server_optimiser() -> None:
    strategy = ServerSidePruning(
        inner=FedAdam(instruction=INSTR, server_lr=1.0),
        criterion="magnitude",
        pruner=PRUNERS.get("global")(),
        schedule=Every(0.5),
    )

    new = strategy.aggregate(
        rnd=1, model=model([0.0] * 4, [T] * 4), updates=[update([1.0, -4.0, 0.1, 8.0])]
    )

    # Adam's bias-corrected first step is ~ server_lr * sign(delta): |step| = |d| / (|d| + tau),
    # so the two smallest pseudo-gradients (0.1 then 1) are pruned, not the smallest weights.
    assert torch.equal(new.masks["w"], torch.tensor([F, T, F, T]))
    assert bool((new.params["w"][~new.masks["w"]] == 0).all())


def test_client_side_pruning_composes_with_a_server_optimiser() -> None:
    strategy = ClientSidePruning(
        inner=FedAvgM(instruction=INSTR),
        order=PruneOrder(pruner="global", criterion="magnitude", target=0.5),
        pruner=PRUNERS.get("global")(),
        schedule=Every(0.5),
    )
    up = Update(
        cid=0,
        num_examples=1,
        params={"w": torch.tensor([1.0, 0.0, 3.0, 4.0]), "b": torch.zeros(1)},
        masks={"w": torch.tensor([T, F, T, T])},
    )

    plan = strategy.configure_round(rnd=1, model=model([0.0] * 4, [T] * 4), clients=[0])
    new = strategy.aggregate(rnd=1, model=model([0.0] * 4, [T] * 4), updates=[up])

    assert plan[0].prune is not None and plan[0].prune.target == 0.5
    assert torch.equal(new.masks["w"], torch.tensor([F, F, T, T]))
    assert bool((new.params["w"][~new.masks["w"]] == 0).all())
