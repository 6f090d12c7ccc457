"""FedAvg and the client-/server-side pruning wrappers on tiny hand-made models."""

from __future__ import annotations

import pytest
import torch

from fedprune.messages import GlobalModel, Instruction, PruneOrder, Update
from fedprune.prune import PRUNERS, Schedule
from fedprune.strategy import STRATEGIES, ClientSidePruning, FedAvg, ServerSidePruning
from fedprune.strategy.modes import PRUNING_MODES

T, F = True, False
INSTR = Instruction(epochs=2, batch_size=8, lr=0.1, momentum=0.5)


class Fixed(Schedule):
    """Targets given per round; ``None`` for every other round."""

    def __init__(self, targets: dict[int, float]) -> None:
        self.targets = targets

    def target(self, rnd: int) -> float | None:
        return self.targets.get(rnd)


def model(mask: list[bool]) -> GlobalModel:
    return GlobalModel(
        params={"w": torch.zeros(len(mask)), "b": torch.zeros(1)},
        masks={"w": torch.tensor(mask)},
    )


def update(cid: int, n: int, w: list[float], mask: list[bool], b: float = 0.0) -> Update:
    return Update(
        cid=cid,
        num_examples=n,
        params={"w": torch.tensor(w), "b": torch.tensor([b])},
        masks={"w": torch.tensor(mask)},
    )


def client_side(targets: dict[int, float], pruner: str = "global") -> ClientSidePruning:
    return ClientSidePruning(
        inner=FedAvg(instruction=INSTR),
        order=PruneOrder(pruner=pruner, criterion="magnitude", target=0.9),
        pruner=PRUNERS.get(pruner)(),
        schedule=Fixed(targets),
    )


def server_side(targets: dict[int, float]) -> ServerSidePruning:
    return ServerSidePruning(
        inner=FedAvg(instruction=INSTR),
        criterion="magnitude",
        pruner=PRUNERS.get("global")(),
        schedule=Fixed(targets),
    )


# --- FedAvg -------------------------------------------------------------------------------


def test_fedavg_sends_every_sampled_client_the_same_instruction() -> None:
    plan = FedAvg(instruction=INSTR).configure_round(rnd=1, model=model([T]), clients=[3, 1, 7])

    assert plan == {3: INSTR, 1: INSTR, 7: INSTR}


def test_fedavg_averages_by_examples_and_reapplies_the_global_mask() -> None:
    updates = [
        update(0, 1, [1.0, 5.0, 3.0], [T, T, T], b=1.0),
        update(1, 3, [5.0, 9.0, 7.0], [T, T, T], b=5.0),
    ]

    new = FedAvg(instruction=INSTR).aggregate(rnd=1, model=model([T, F, T]), updates=updates)

    # (1*[1, 5, 3] + 3*[5, 9, 7]) / 4 = [4, 8, 6]; entry 1 is pruned globally
    assert torch.equal(new.params["w"], torch.tensor([4.0, 0.0, 6.0]))
    assert torch.equal(new.params["b"], torch.tensor([4.0]))
    assert torch.equal(new.masks["w"], torch.tensor([T, F, T]))


def test_fedavg_masks_are_a_copy_of_the_global_ones() -> None:
    old = model([T, F])

    new = FedAvg(instruction=INSTR).aggregate(
        rnd=1, model=old, updates=[update(0, 1, [1.0, 1.0], [T, T])]
    )
    new.masks["w"][1] = True

    assert torch.equal(old.masks["w"], torch.tensor([T, F]))


def test_fedavg_is_registered_and_rejects_unknown_aggregators() -> None:
    assert STRATEGIES.get("fedavg") is FedAvg
    with pytest.raises(ValueError, match="unknown aggregator 'geometric_median'"):
        FedAvg(instruction=INSTR, aggregator="geometric_median")


# --- server-side pruning ------------------------------------------------------------------


def test_server_side_leaves_instructions_unchanged() -> None:
    strategy = server_side({1: 0.5})

    plan = strategy.configure_round(rnd=1, model=model([T]), clients=[0, 1])

    assert plan == {0: INSTR, 1: INSTR}
    assert all(i.prune is None for i in plan.values())


def test_server_side_prunes_the_aggregate_to_the_target() -> None:
    updates = [
        update(0, 1, [1.0, -4.0, 2.0, 8.0], [T, T, T, T], b=0.1),
        update(1, 1, [3.0, -4.0, 0.0, 8.0], [T, T, T, T], b=0.1),
    ]

    new = server_side({1: 0.5}).aggregate(rnd=1, model=model([T, T, T, T]), updates=updates)

    # aggregate [2, -4, 1, 8]: the two smallest magnitudes go
    assert torch.equal(new.masks["w"], torch.tensor([F, T, F, T]))
    assert torch.equal(new.params["w"], torch.tensor([0.0, -4.0, 0.0, 8.0]))
    assert torch.allclose(new.params["b"], torch.tensor([0.1]))  # never pruned
    assert set(new.masks) == {"w"}


def test_server_side_never_revives_a_pruned_entry() -> None:
    updates = [update(0, 1, [1.0, 2.0, 3.0, 100.0], [T, T, T, T])]

    new = server_side({2: 0.5}).aggregate(rnd=2, model=model([T, T, T, F]), updates=updates)

    # entry 3 stays pruned despite the largest value; one more (the smallest) joins it
    assert torch.equal(new.masks["w"], torch.tensor([F, T, T, F]))
    assert torch.equal(new.params["w"], torch.tensor([0.0, 2.0, 3.0, 0.0]))


def test_server_side_does_nothing_in_a_round_without_a_target() -> None:
    updates = [update(0, 1, [1.0, 2.0, 3.0, 4.0], [T, T, T, T])]

    new = server_side({5: 0.5}).aggregate(rnd=1, model=model([T, T, T, T]), updates=updates)

    assert torch.equal(new.masks["w"], torch.tensor([T, T, T, T]))
    assert torch.equal(new.params["w"], torch.tensor([1.0, 2.0, 3.0, 4.0]))


# --- client-side pruning ------------------------------------------------------------------


def test_client_side_orders_every_client_to_the_rounds_target() -> None:
    strategy = ClientSidePruning(
        inner=FedAvg(instruction=INSTR),
        order=PruneOrder(pruner="threshold", criterion="magnitude", target=0.9, threshold=0.01),
        pruner=PRUNERS.get("global")(),
        schedule=Fixed({2: 0.3}),
    )

    plan = strategy.configure_round(rnd=2, model=model([T]), clients=[4, 9])

    expected = PruneOrder(pruner="threshold", criterion="magnitude", target=0.3, threshold=0.01)
    assert set(plan) == {4, 9}
    assert all(instr == INSTR.with_prune(expected) for instr in plan.values())


def test_client_side_sends_no_order_in_a_round_without_a_target() -> None:
    plan = client_side({2: 0.3}).configure_round(rnd=1, model=model([T]), clients=[0, 1])

    assert plan == {0: INSTR, 1: INSTR}


def test_client_side_global_mask_reaches_the_target() -> None:
    updates = [
        update(0, 1, [1.0, -2.0, 3.0, -4.0, 5.0, -6.0, 7.0, -8.0], [T] * 8),
        update(1, 1, [1.0, -2.0, 3.0, -4.0, 5.0, -6.0, 7.0, -8.0], [T] * 8),
    ]

    new = client_side({1: 0.75}).aggregate(rnd=1, model=model([T] * 8), updates=updates)

    assert torch.equal(new.masks["w"], torch.tensor([F, F, F, F, F, F, T, T]))
    assert torch.equal(new.params["w"], torch.tensor([0.0] * 6 + [7.0, -8.0]))


def test_client_side_prunes_entries_no_client_kept_first() -> None:
    # Entry 2 carries the largest aggregate, but no client kept it: it must go first.
    updates = [
        update(0, 1, [1.0, 2.0, 100.0, 3.0], [T, T, F, T]),
        update(1, 1, [1.0, 2.0, 100.0, 3.0], [T, T, F, F]),
    ]

    new = client_side({1: 0.25}).aggregate(rnd=1, model=model([T, T, T, T]), updates=updates)

    assert torch.equal(new.masks["w"], torch.tensor([T, T, F, T]))
    assert torch.equal(new.params["w"], torch.tensor([1.0, 2.0, 0.0, 3.0]))


def test_client_side_then_prunes_the_smallest_aggregate_entries() -> None:
    updates = [
        update(0, 1, [1.0, 2.0, 100.0, 3.0], [T, T, F, T]),
        update(1, 1, [1.0, 2.0, 100.0, 3.0], [T, T, F, F]),
    ]

    new = client_side({1: 0.5}).aggregate(rnd=1, model=model([T, T, T, T]), updates=updates)

    assert torch.equal(new.masks["w"], torch.tensor([F, T, F, T]))


def test_client_side_keeps_entries_dropped_by_all_clients_pruned_beyond_the_target() -> None:
    updates = [update(0, 1, [5.0, 0.0, 0.0, 0.0], [T, F, F, F])]

    new = client_side({1: 0.25}).aggregate(rnd=1, model=model([T, T, T, T]), updates=updates)

    assert torch.equal(new.masks["w"], torch.tensor([T, F, F, F]))


def test_client_side_never_revives_a_globally_pruned_entry() -> None:
    # Both clients claim to keep entry 0 with a large value; the global mask pruned it before.
    updates = [
        update(0, 1, [50.0, 1.0, 2.0, 3.0], [T, T, T, T]),
        update(1, 1, [50.0, 1.0, 2.0, 3.0], [T, T, T, T]),
    ]

    new = client_side({3: 0.25}).aggregate(rnd=3, model=model([F, T, T, T]), updates=updates)

    assert torch.equal(new.masks["w"], torch.tensor([F, T, T, T]))
    assert new.params["w"][0] == 0.0


def test_client_side_layer_pruner_prunes_each_tensor_to_the_target() -> None:
    old = GlobalModel(
        params={"a": torch.zeros(4), "c": torch.zeros(2)},
        masks={"a": torch.ones(4, dtype=torch.bool), "c": torch.ones(2, dtype=torch.bool)},
    )
    up = Update(
        cid=0,
        num_examples=1,
        params={"a": torch.tensor([1.0, 2.0, 3.0, 4.0]), "c": torch.tensor([9.0, 8.0])},
        masks={"a": torch.ones(4, dtype=torch.bool), "c": torch.ones(2, dtype=torch.bool)},
    )

    new = client_side({1: 0.5}, pruner="layer").aggregate(rnd=1, model=old, updates=[up])

    assert torch.equal(new.masks["a"], torch.tensor([F, F, T, T]))
    assert torch.equal(new.masks["c"], torch.tensor([T, F]))  # 8 < 9


def test_client_side_does_nothing_after_aggregation_without_a_target() -> None:
    updates = [update(0, 1, [1.0, 2.0, 3.0, 4.0], [T, F, F, F])]

    new = client_side({9: 0.5}).aggregate(rnd=1, model=model([T, T, T, T]), updates=updates)

    assert torch.equal(new.masks["w"], torch.tensor([T, T, T, T]))
    assert torch.equal(new.params["w"], torch.tensor([1.0, 2.0, 3.0, 4.0]))


# --- pruning modes ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "kind"),
    [("none", FedAvg), ("client", ClientSidePruning), ("server", ServerSidePruning)],
)
def test_pruning_modes_wrap_the_inner_strategy(mode: str, kind: type) -> None:
    inner = FedAvg(instruction=INSTR)

    wrapped = PRUNING_MODES.get(mode)(
        inner=inner,
        order=PruneOrder(pruner="global", criterion="magnitude", target=0.5),
        pruner=PRUNERS.get("global")(),
        schedule=Fixed({}),
    )

    assert type(wrapped) is kind
    assert wrapped is inner or wrapped.inner is inner
