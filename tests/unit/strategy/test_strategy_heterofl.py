"""HeteroFL: fixed per-client widths, submodels cut from the global model, coverage-weighted
aggregation."""

from __future__ import annotations

import pytest
import torch

from fedprune.config import ConfigError, build_config
from fedprune.experiment import Experiment
from fedprune.messages import GlobalModel, Instruction, Update
from fedprune.models import build_model
from fedprune.payload import sent_state
from fedprune.strategy.heterofl import HeteroFL

EX = torch.zeros(1, 1, 8, 8)


def strategy(widths=(1.0, 0.5), shares=None) -> tuple[HeteroFL, GlobalModel]:
    torch.manual_seed(0)
    model = build_model(name="mlp", input_shape=(1, 8, 8), num_classes=10)
    s = HeteroFL(
        instruction=Instruction(epochs=1, batch_size=1, lr=0.1),
        model=model,
        example_input=EX,
        widths=widths,
        width_shares=shares,
        seed=0,
    )
    params = sent_state(model)
    return s, GlobalModel(params=params, masks={})


def test_widths_are_fixed_per_client_and_follow_the_shares() -> None:
    s, _ = strategy(widths=(1.0, 0.5, 0.25), shares=(1, 0, 3))
    drawn = [s.width_of(c) for c in range(400)]

    assert drawn == [s.width_of(c) for c in range(400)]
    assert 0.5 not in drawn
    assert 0.65 < drawn.count(0.25) / 400 < 0.85


def test_a_half_width_client_gets_the_first_half_of_every_hidden_layer() -> None:
    s, model = strategy(widths=(0.5,))
    view = s.client_view(cid=0, model=model)
    names = list(model.params)  # fc1, fc2, classifier: weight and bias each
    w1, w2, w3 = (n for n in names if n.endswith("weight"))

    assert view.params[w1].shape == (100, 64)
    assert view.params[w2].shape == (100, 100)
    assert view.params[w3].shape == (10, 100)
    torch.testing.assert_close(view.params[w2], model.params[w2][:100, :100])


def test_entries_average_over_the_clients_that_hold_them() -> None:
    s, model = strategy(widths=(1.0, 0.5), shares=(1, 1))
    full = next(c for c in range(50) if s.width_of(c) == 1.0)
    half = next(c for c in range(50) if s.width_of(c) == 0.5)
    small = s.client_view(cid=half, model=model)
    updates = [
        Update(
            cid=full,
            num_examples=1,
            params={n: torch.ones_like(t) for n, t in model.params.items()},
            masks={},
        ),
        Update(
            cid=half,
            num_examples=3,
            params={n: torch.full_like(t, 3.0) for n, t in small.params.items()},
            masks={},
        ),
    ]

    out = s.aggregate(rnd=1, model=model, updates=updates)

    w2 = [n for n in model.params if n.endswith("weight")][1]
    assert out.params[w2][:100, :100].unique().tolist() == [2.5]  # (1*1 + 3*3) / 4
    assert out.params[w2][100:, :].unique().tolist() == [1.0]  # only the full client
    assert out.params[w2][:100, 100:].unique().tolist() == [1.0]


def test_heterofl_refuses_what_needs_one_shape() -> None:
    with pytest.raises(ConfigError, match=r"not supported with pruning\.mode = client"):
        build_config(overrides=["federation.strategy=heterofl", "pruning.mode=client"])
    with pytest.raises(ConfigError, match="options of strategy 'heterofl'"):
        build_config(overrides=["federation.widths=[1.0,0.5]"])


def test_in_federation_weak_clients_send_fewer_bytes_and_the_model_learns() -> None:
    base = [
        "data.dataset=digits",
        "model.name=mlp",
        "data.num_clients=8",
        "federation.clients_per_round=8",
        "federation.rounds=3",
        "train.epochs=1",
        "engine.threads=1",
        "pruning.mode=none",
    ]
    exp = Experiment(
        config=build_config(
            overrides=[*base, "federation.strategy=heterofl", "federation.widths=[1.0,0.25]"]
        )
    )
    hetero = exp.run()

    assert all(not r["rejected"] for r in hetero.rounds) and hetero.summary["failed_clients"] == 0
    sent = {int(c): b for c, b in hetero.rounds[0]["client_bytes_up"].items()}
    width = {c: exp.strategy.width_of(c) for c in sent}  # type: ignore[attr-defined]
    full = [b for c, b in sent.items() if width[c] == 1.0]
    quarter = [b for c, b in sent.items() if width[c] == 0.25]
    assert full and quarter
    # 64-200-200-10 vs 64-50-50-10: about 0.13 of the weights
    assert max(quarter) < 0.2 * min(full)
    assert hetero.summary["final_accuracy"] > 0.5
