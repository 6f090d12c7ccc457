"""FedAvg with a mask-aware aggregator: masks passed, voted-out entries leave the global mask."""

from __future__ import annotations

import torch

from fedprune.messages import GlobalModel, Instruction, Update
from fedprune.strategy import FedAvg

T, F = True, False
INSTR = Instruction(epochs=1, batch_size=8, lr=0.1)


def update(w: list[float], mask: list[bool], n: int = 1) -> Update:
    return Update(
        cid=0, num_examples=n, params={"w": torch.tensor(w)}, masks={"w": torch.tensor(mask)}
    )


def model(mask: list[bool]) -> GlobalModel:
    return GlobalModel(params={"w": torch.zeros(len(mask))}, masks={"w": torch.tensor(mask)})


UPDATES = [
    update([2.0, 4.0, 6.0, 1.0], [T, T, F, T], n=1),
    update([4.0, 0.0, 0.0, 1.0], [T, F, F, T], n=3),
]


def test_masked_mean_averages_over_keepers_and_prunes_unkept_entries() -> None:
    new = FedAvg(instruction=INSTR, aggregator="masked_mean").aggregate(
        rnd=1, model=model([T, T, T, T]), updates=UPDATES
    )

    # entry 0: (2 + 3*4) / 4; entry 1: client 0 alone; entry 2: nobody kept it
    assert torch.equal(new.params["w"], torch.tensor([3.5, 4.0, 0.0, 1.0]))
    assert torch.equal(new.masks["w"], torch.tensor([T, T, F, T]))


def test_aggregator_options_reach_the_aggregator() -> None:
    new = FedAvg(
        instruction=INSTR, aggregator="masked_mean", aggregator_options={"min_votes": 2}
    ).aggregate(rnd=1, model=model([T, T, T, T]), updates=UPDATES)

    assert torch.equal(new.masks["w"], torch.tensor([T, F, F, T]))
    assert torch.equal(new.params["w"], torch.tensor([3.5, 0.0, 0.0, 1.0]))


def test_a_globally_pruned_entry_stays_pruned_whatever_the_votes() -> None:
    old = model([T, T, T, F])

    new = FedAvg(instruction=INSTR, aggregator="masked_mean").aggregate(
        rnd=1, model=old, updates=UPDATES
    )

    assert torch.equal(new.masks["w"], torch.tensor([T, T, F, F]))
    assert new.params["w"][3] == 0.0
    assert torch.equal(old.masks["w"], torch.tensor([T, T, T, F]))  # not modified


def test_the_plain_mean_keeps_the_global_mask() -> None:
    new = FedAvg(instruction=INSTR).aggregate(rnd=1, model=model([T, T, T, T]), updates=UPDATES)

    assert torch.equal(new.params["w"], torch.tensor([3.5, 1.0, 1.5, 1.0]))
    assert torch.equal(new.masks["w"], torch.tensor([T, T, T, T]))
