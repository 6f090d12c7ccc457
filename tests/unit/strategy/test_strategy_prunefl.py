"""PruneFL's server step on small exact numbers, its time model, and a federation."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
import torch

from fedprune.config import EdgeTier
from fedprune.edge import entry_costs
from fedprune.messages import GlobalModel, Instruction, Update
from fedprune.strategy.base import Strategy
from fedprune.strategy.prunefl import PruneFL


class KeepGlobal(Strategy):
    """Averages over all updates under the global mask (FedAvg with one shared mask)."""

    def configure_round(self, *, rnd: int, model: GlobalModel, clients: Sequence[int]):
        return {c: Instruction(epochs=1, batch_size=1, lr=0.1) for c in clients}

    def aggregate(self, *, rnd: int, model: GlobalModel, updates: Sequence[Update]):
        m = model.masks["w"]
        mean = sum(u.params["w"] for u in updates) / len(updates)
        return GlobalModel(params={"w": mean * m, "b": model.params["b"]}, masks={"w": m})


GLOBAL = GlobalModel(
    params={"w": torch.tensor([3.0, 1.0, 0.0, 0.0]), "b": torch.tensor([0.5])},
    masks={"w": torch.tensor([True, True, False, False])},
)


def upd(cid: int, z: list[float] | None) -> Update:
    return Update(
        cid=cid,
        num_examples=1,
        params={"w": torch.tensor([3.0, 1.0, 0.0, 0.0]), "b": torch.tensor([0.5])},
        masks={"w": torch.tensor([True, True, False, False])},
        importance=None if z is None else {"w": torch.tensor(z), "b": torch.tensor([0.0])},
    )


def prunefl(**kw) -> PruneFL:
    args = dict(
        inner=KeepGlobal(),
        every=3,
        start_round=2,
        max_decrease=0.6,  # of 2 kept: 1 may go
        half_life=1e9,
        costs={"w": 1.0},
        fixed_cost=1.0,
    )
    return PruneFL(**{**args, **kw})


def test_importance_is_asked_for_on_reconfiguration_rounds_only() -> None:
    s = prunefl()
    asked = [
        r for r in range(1, 10) if s.configure_round(rnd=r, model=GLOBAL, clients=[0])[0].importance
    ]
    assert asked == [2, 5, 8]


def test_the_clients_importance_is_summed_and_the_mask_reconfigured() -> None:
    # summed Z = [4, 1, 9, 0.5]: w1 (the smaller kept weight) goes, w2 grows from zero
    updates = [upd(0, [3.0, 0.5, 4.0, 0.5]), upd(1, [1.0, 0.5, 5.0, 0.0])]

    out = prunefl().aggregate(rnd=2, model=GLOBAL, updates=updates)

    assert out.masks["w"].tolist() == [True, False, True, False]
    assert out.params["w"].tolist() == [3.0, 0.0, 0.0, 0.0]
    assert out.params["b"].tolist() == [0.5]


def test_max_density_caps_the_kept_share() -> None:
    updates = [upd(0, [4.0, 1.0, 9.0, 0.5])]
    out = prunefl(max_density=0.25, fixed_cost=1e6).aggregate(rnd=2, model=GLOBAL, updates=updates)
    assert out.masks["w"].tolist() == [True, False, False, False]


def test_off_rounds_and_rounds_without_importance_pass_through() -> None:
    s = prunefl()
    scored = [upd(0, [4.0, 1.0, 9.0, 0.5])]
    assert s.aggregate(rnd=3, model=GLOBAL, updates=scored).masks["w"].tolist() == [
        True,
        True,
        False,
        False,
    ]
    assert s.aggregate(rnd=2, model=GLOBAL, updates=[upd(0, None)]).masks["w"].tolist() == [
        True,
        True,
        False,
        False,
    ]


def test_the_allowed_decrease_halves_every_half_life() -> None:
    s = prunefl(max_decrease=0.4, half_life=10.0)
    assert [s.decrease(r) for r in (0, 10, 20)] == pytest.approx([0.4, 0.2, 0.1])


def test_bad_options_are_refused() -> None:
    with pytest.raises(ValueError, match="max_decrease"):
        prunefl(max_decrease=1.0)
    with pytest.raises(ValueError, match="max_density"):
        prunefl(max_density=0.0)


def test_entry_costs_follow_the_slowest_tier() -> None:
    fast = EdgeTier(
        share=0.5, macs_per_second=1e9, up_bytes_per_second=100.0, down_bytes_per_second=400.0
    )
    slow = EdgeTier(
        share=0.5, macs_per_second=1e6, up_bytes_per_second=10.0, down_bytes_per_second=40.0
    )
    common = dict(
        tiers=[fast, slow],
        sizes={"fc.weight": 8, "fc.bias": 2},
        macs={"fc.weight": 8},
        prunable=["fc.weight"],
        examples=10.0,
        epochs=1,
        entry_bytes=4.0,
        latency=1.0,
    )

    dense_costs, dense_fixed = entry_costs(**common, sparse_compute=False)
    sparse_costs, sparse_fixed = entry_costs(**common, sparse_compute=True)

    per_byte = 1 / 10 + 1 / 40
    compute = 3 * 8 * 10 / 1e6  # 3 x MACs x examples / rate
    assert dense_costs == {"fc.weight": pytest.approx(4 * per_byte)}
    assert dense_fixed == pytest.approx(1.0 + (2 * 4 + 8 / 8) * per_byte + compute)
    assert sparse_costs == {"fc.weight": pytest.approx(4 * per_byte + compute / 8)}
    assert sparse_fixed == pytest.approx(1.0 + (2 * 4 + 8 / 8) * per_byte)


FED = [
    "data.dataset=digits",
    "model.name=mlp",
    "data.num_clients=6",
    "federation.clients_per_round=6",
    "federation.rounds=4",
    "train.epochs=1",
    "engine.threads=1",
    "engine.workers=1",
    "pruning.mode=server",
    "pruning.schedule=oneshot",
    "pruning.start_round=1",
    "pruning.target=0.8",
    "checkpoint.every=0",
]


def test_in_federation_the_mask_moves_within_the_cap_and_importance_is_counted() -> None:
    from fedprune.config import build_config
    from fedprune.experiment import Experiment

    fixed = Experiment(config=build_config(overrides=FED)).run()
    pf = Experiment(
        config=build_config(
            overrides=[
                *FED,
                "prunefl.enabled=true",
                "prunefl.start_round=2",
                "prunefl.every=2",
                "prunefl.max_density=0.2",
            ]
        )
    ).run()

    assert fixed.model is not None and pf.model is not None
    grown = sum(int((pf.model.masks[n] & ~fixed.model.masks[n]).sum()) for n in fixed.model.masks)
    assert grown > 0
    assert all(r["sparsity"] >= 0.8 - 1e-3 for r in pf.rounds)
    assert all(not r["rejected"] for r in pf.rounds)
    # reconfiguration rounds (2, 4) also carry every client's dense fp32 importance
    dense_bytes = 4 * sum(t.numel() for t in pf.model.params.values())
    extra = [p["bytes_up"] - f["bytes_up"] for p, f in zip(pf.rounds, fixed.rounds, strict=True)]
    assert extra[0] == 0 and extra[1] > 6 * dense_bytes * 0.9


def test_prunefl_config_refuses_client_masks_and_an_unsettled_schedule() -> None:
    from fedprune.config import ConfigError, build_config

    with pytest.raises(ConfigError, match="not 'client'"):
        build_config(overrides=[*FED, "pruning.mode=client", "prunefl.enabled=true"])
    with pytest.raises(ConfigError, match="must come after"):
        build_config(overrides=[*FED, "prunefl.enabled=true", "prunefl.start_round=1"])
    with pytest.raises(ConfigError, match="dst"):
        build_config(
            overrides=[
                *FED,
                "prunefl.enabled=true",
                "dst.enabled=true",
                "dst.start_round=3",
                "federation.aggregator=masked_mean",
            ]
        )


def test_client_importance_is_the_squared_step_sum_times_the_examples() -> None:
    from fedprune.client import encode_importance
    from fedprune.codec import decode
    from fedprune.training import GradientMean

    p = torch.nn.Parameter(torch.zeros(3))
    g = GradientMean(params={"p": p})
    for grad in ([1.0, -2.0, 0.0], [0.5, 1.0, 0.0]):
        p.grad = torch.tensor(grad)
        g.add()

    sent = encode_importance(g, examples=4)

    assert decode(sent).tensors["p"].tolist() == [4 * 1.5**2, 4 * 1.0**2, 0.0]


def test_the_server_rejects_negative_or_misshapen_importance() -> None:
    from fedprune.codec import encode_pipeline
    from fedprune.config import build_config
    from fedprune.experiment import Experiment
    from fedprune.payload import FP32, PayloadError

    exp = Experiment(config=build_config(overrides=[*FED, "prunefl.enabled=true"]))
    state = {k: v.detach() for k, v in exp.model.state_dict().items()}
    view = GlobalModel(params=state, masks={})
    names = [n for n, p in exp.model.named_parameters() if p.requires_grad]
    good = {n: torch.ones_like(view.params[n]) for n in names}
    bad = {**good, names[0]: -good[names[0]]}

    assert set(
        exp._decode_importance(encode_pipeline(tensors=good, masks={}, pipeline=FP32), view) or {}
    ) == set(names)
    with pytest.raises(PayloadError, match="negative importance"):
        exp._decode_importance(encode_pipeline(tensors=bad, masks={}, pipeline=FP32), view)
    with pytest.raises(ValueError):
        exp._decode_importance(
            encode_pipeline(tensors={names[0]: good[names[0]]}, masks={}, pipeline=FP32), view
        )
