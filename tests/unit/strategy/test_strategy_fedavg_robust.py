"""FedAvg with robust aggregators: the global model reaches rules on deltas, masks still hold."""

from __future__ import annotations

import torch

from fedprune.messages import GlobalModel, Instruction, Update
from fedprune.strategy import FedAvg, FedAvgM

T, F = True, False
INSTR = Instruction(epochs=1, batch_size=8, lr=0.1)
GLOBAL = GlobalModel(params={"w": torch.tensor([1.0, 1.0, 1.0])}, masks={"w": torch.ones(3) > 0})


def update(w: list[float], mask: list[bool], n: int = 1) -> Update:
    return Update(
        cid=0, num_examples=n, params={"w": torch.tensor(w)}, masks={"w": torch.tensor(mask)}
    )


def test_norm_bound_clips_changes_from_the_global_model_it_is_given() -> None:
    updates = [update([7.0, 9.0, 0.0], [T, T, F], n=1), update([1.0, 1.0, 4.0], [T, T, T], n=3)]
    strategy = FedAvg(
        instruction=INSTR, aggregator="norm_bound", aggregator_options={"norm_bound": 5}
    )

    new = strategy.aggregate(rnd=1, model=GLOBAL, updates=updates)

    # change (6, 8) halved to (3, 4): proposals (4, 5, -) and (1, 1, 4), weights 1 and 3
    assert torch.equal(new.params["w"], torch.tensor([1.75, 2.0, 4.0]))


def test_a_server_optimiser_steps_from_the_robust_aggregate() -> None:
    updates = [update([1.0, 1.0, 1.0], [T, T, T]), update([3.0, 3.0, 3.0], [T, T, T])]
    outlier = update([1e6, 1e6, 1e6], [T, T, T])

    new = FedAvgM(
        instruction=INSTR, aggregator="median", server_lr=1.0, server_momentum=0.0
    ).aggregate(rnd=1, model=GLOBAL, updates=[*updates, outlier])

    assert torch.equal(new.params["w"], torch.tensor([3.0, 3.0, 3.0]))


def test_entries_pruned_in_the_global_mask_stay_zero_under_the_median() -> None:
    model = GlobalModel(
        params={"w": torch.tensor([1.0, 0.0, 1.0])}, masks={"w": torch.tensor([T, F, T])}
    )
    updates = [update([2.0, 0.0, 0.0], [T, F, F]), update([4.0, 0.0, 6.0], [T, F, T])]

    new = FedAvg(instruction=INSTR, aggregator="median").aggregate(
        rnd=1, model=model, updates=updates
    )

    assert torch.equal(new.params["w"], torch.tensor([3.0, 0.0, 6.0]))
    assert torch.equal(new.masks["w"], torch.tensor([T, F, T]))
