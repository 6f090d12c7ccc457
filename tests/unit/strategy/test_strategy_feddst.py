"""FedDST's server step on small exact numbers: grown entries voted in, density held."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
import torch

from fedprune.messages import GlobalModel, Instruction, Update
from fedprune.strategy.base import Strategy
from fedprune.strategy.feddst import FedDST, grown_entries, keep_largest


class KeepGlobal(Strategy):
    """Averages kept entries over all updates, keeps the global mask (like FedAvg)."""

    def configure_round(self, *, rnd: int, model: GlobalModel, clients: Sequence[int]):
        return {c: Instruction(epochs=1, batch_size=1, lr=0.1) for c in clients}

    def aggregate(self, *, rnd: int, model: GlobalModel, updates: Sequence[Update]):
        m = model.masks["w"]
        mean = sum(u.params["w"] * u.num_examples for u in updates) / sum(
            u.num_examples for u in updates
        )
        return GlobalModel(params={"w": mean * m}, masks={"w": m.clone()})


def upd(cid: int, w: list[float], keep: list[bool], n: int = 1) -> Update:
    return Update(
        cid=cid,
        num_examples=n,
        params={"w": torch.tensor(w)},
        masks={"w": torch.tensor(keep)},
    )


GLOBAL = GlobalModel(
    params={"w": torch.tensor([1.0, 0.5, 0.0, 0.0])},
    masks={"w": torch.tensor([True, True, False, False])},
)


def test_grown_entries_average_over_the_clients_that_grew_them() -> None:
    updates = [
        upd(0, [1.0, 0.0, 0.8, 0.0], [True, False, True, False], n=1),
        upd(1, [1.0, 0.4, 0.2, 0.0], [True, True, True, False], n=3),
    ]

    grown, value = grown_entries(name="w", before=GLOBAL.masks["w"], updates=updates)

    assert grown.tolist() == [False, False, True, False]
    assert value.tolist() == pytest.approx([0.0, 0.0, (0.8 * 1 + 0.2 * 3) / 4, 0.0])


def test_keep_largest_trims_to_count_with_ties_to_the_lower_index() -> None:
    values = torch.tensor([0.5, -0.5, 0.1, 0.9])
    mask = torch.tensor([True, True, True, False])
    assert keep_largest(values=values, mask=mask, count=2).tolist() == [True, True, False, False]


def test_readjust_round_swaps_a_weak_kept_entry_for_a_strong_grown_one() -> None:
    s = FedDST(inner=KeepGlobal(), alpha=0.5, every=2, start_round=2, end_round=10)
    updates = [
        upd(0, [1.0, 0.1, 0.0, 0.7], [True, True, False, True]),
        upd(1, [1.0, 0.1, 0.0, 0.9], [True, False, False, True]),
    ]

    out = s.aggregate(rnd=2, model=GLOBAL, updates=updates)

    # kept: w0 = 1.0, w1 = 0.1 (mean of 0.1, 0.1); grown w3 = 0.8 beats w1; count stays 2
    assert out.masks["w"].tolist() == [True, False, False, True]
    assert out.params["w"].tolist() == pytest.approx([1.0, 0.0, 0.0, 0.8])


def test_min_votes_and_off_rounds_pass_through() -> None:
    s = FedDST(inner=KeepGlobal(), alpha=0.5, every=2, start_round=2, end_round=10, min_votes=2)
    updates = [
        upd(0, [1.0, 0.1, 0.0, 0.9], [True, True, False, True]),
        upd(1, [1.0, 0.1, 0.0, 0.0], [True, True, False, False]),
    ]

    voted_out = s.aggregate(rnd=2, model=GLOBAL, updates=updates)
    off_round = s.aggregate(rnd=3, model=GLOBAL, updates=updates)

    assert voted_out.masks["w"].tolist() == [True, True, False, False]  # one vote < 2
    assert off_round.masks["w"].tolist() == [True, True, False, False]


def test_instructions_carry_the_annealed_fraction_on_readjust_rounds_only() -> None:
    s = FedDST(inner=KeepGlobal(), alpha=0.4, every=5, start_round=5, end_round=20)

    fractions = {
        r: s.configure_round(rnd=r, model=GLOBAL, clients=[0])[0].regrow for r in (4, 5, 6, 10, 20)
    }

    assert fractions[4] == fractions[6] == fractions[20] == 0.0
    assert fractions[5] == pytest.approx(0.2 * (1 + 0.7071067811865476))
    assert fractions[10] == pytest.approx(0.2)


FED = [
    "data.dataset=digits",
    "model.name=mlp",
    "data.num_clients=6",
    "federation.clients_per_round=6",
    "federation.rounds=4",
    "train.epochs=1",
    "engine.threads=1",
    "pruning.mode=server",
    "pruning.schedule=oneshot",
    "pruning.start_round=1",
    "pruning.target=0.8",
    "federation.aggregator=masked_mean",
]


def test_in_federation_masks_move_and_the_density_holds() -> None:
    from fedprune.config import build_config
    from fedprune.experiment import Experiment

    fixed = Experiment(config=build_config(overrides=FED)).run()
    dst = Experiment(
        config=build_config(
            overrides=[*FED, "dst.enabled=true", "dst.start_round=2", "dst.every=2"]
        )
    ).run()

    assert fixed.model is not None and dst.model is not None
    grown = sum(int((dst.model.masks[n] & ~fixed.model.masks[n]).sum()) for n in fixed.model.masks)
    assert grown > 0
    assert [r["sparsity"] for r in dst.rounds] == pytest.approx([0.8] * 4, abs=1e-3)
    assert all(not r["rejected"] for r in dst.rounds)


def test_dst_config_needs_a_settled_density_and_masked_mean() -> None:
    from fedprune.config import ConfigError, build_config

    with pytest.raises(ConfigError, match="must come after the pruning schedule"):
        build_config(overrides=[*FED, "dst.enabled=true", "dst.start_round=1"])
    with pytest.raises(ConfigError, match="masked_mean"):
        build_config(overrides=[*FED, "dst.enabled=true", "federation.aggregator=mean"])
