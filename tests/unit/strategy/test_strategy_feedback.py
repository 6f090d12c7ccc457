"""Performance-feedback adaptive pruning: a client's target follows what pruning cost it."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
import torch

from fedprune.config import ConfigError, build_config
from fedprune.experiment import Experiment
from fedprune.messages import GlobalModel, Instruction, PruneOrder, Update
from fedprune.strategy.base import Strategy
from fedprune.strategy.feedback import PerformanceFeedback, feedback_step

TINY = [
    "data.dataset=digits",
    "model.name=mlp",
    "data.num_clients=4",
    "data.val_fraction=0.2",
    "federation.clients_per_round=4",
    "federation.rounds=3",
    "train.epochs=1",
    "engine.threads=1",
    "pruning.mode=client",
    "pruning.schedule=oneshot",
    "pruning.start_round=1",
    "pruning.target=0.5",
]


class Fixed(Strategy):
    """Every client is told to prune to 0.5; aggregation keeps the model."""

    def configure_round(self, *, rnd: int, model: GlobalModel, clients: Sequence[int]):
        order = PruneOrder(pruner="global", criterion="magnitude", target=0.5)
        return {c: Instruction(epochs=1, batch_size=1, lr=0.1, prune=order) for c in clients}

    def aggregate(self, *, rnd: int, model: GlobalModel, updates: Sequence[Update]):
        return model


def update(cid: int, before: float, after: float) -> Update:
    metrics = {"val_accuracy_unpruned": before, "val_accuracy": after}
    return Update(cid=cid, num_examples=1, params={}, masks={}, metrics=metrics)


def test_feedback_step_on_exact_numbers() -> None:
    kw = {"tolerance": 0.02, "step": 0.05, "high": 0.2}
    assert feedback_step(offset=0.1, drop=0.01, **kw) == pytest.approx(0.15)  # held: sparser
    assert feedback_step(offset=0.1, drop=0.03, **kw) == pytest.approx(0.05)  # fell: denser
    assert feedback_step(offset=0.18, drop=0.0, **kw) == pytest.approx(0.2)  # capped
    assert feedback_step(offset=0.02, drop=0.5, **kw) == 0.0  # never below the global mask


def test_targets_move_per_client_with_their_own_accuracy_drop() -> None:
    s = PerformanceFeedback(inner=Fixed(), tolerance=0.02, step=0.05, high=0.2)
    model = GlobalModel(params={"w": torch.zeros(1)}, masks={})

    s.aggregate(rnd=1, model=model, updates=[update(0, 0.9, 0.89), update(1, 0.9, 0.8)])
    s.aggregate(rnd=2, model=model, updates=[update(0, 0.9, 0.9)])
    plan = s.configure_round(rnd=3, model=model, clients=[0, 1, 2])

    targets = {c: i.prune.target for c, i in plan.items() if i.prune is not None}
    assert targets == pytest.approx({0: 0.6, 1: 0.5, 2: 0.5})
    restored = PerformanceFeedback(inner=Fixed(), tolerance=0.02, step=0.05, high=0.2)
    restored.load_state_dict(s.state_dict())
    assert restored.offsets == s.offsets


def test_feedback_needs_a_validation_split() -> None:
    no_val = [o for o in TINY if not o.startswith("data.val_fraction")]
    with pytest.raises(ConfigError, match=r"data\.val_fraction"):
        build_config(overrides=[*no_val, "adaptive.enabled=true", "adaptive.by=[feedback]"])


def test_in_federation_clients_report_both_accuracies_and_offsets_follow() -> None:
    cfg = build_config(
        overrides=[*TINY, "adaptive.enabled=true", "adaptive.by=[feedback]", "adaptive.step=0.1"]
    )
    exp = Experiment(config=cfg)
    seen: list[dict[int, float]] = []
    result = exp.run(on_round=lambda row: seen.append(dict(exp.strategy.offsets)))  # type: ignore[attr-defined]

    assert sorted(seen[0]) == [0, 1, 2, 3]
    # steps of +-0.1 from 0, kept in [0, 0.15]
    assert all(round(v, 6) in (0.0, 0.05, 0.1, 0.15) for o in seen for v in o.values())
    rows = result.rounds
    for before, prev, row in zip(seen[:-1], rows[:-1], rows[1:], strict=True):
        for cid, sparsity in row["client_sparsity"].items():
            # the base target plus the learned offset, never denser than the global mask
            expected = max(prev["sparsity"], 0.5 + before[int(cid)])
            assert sparsity == pytest.approx(expected, abs=0.01)
    assert len({round(s, 3) for s in rows[-1]["client_sparsity"].values()}) > 1
    assert all(
        "val_accuracy_unpruned" not in row for row in result.rounds
    )  # per-client metrics stay with the strategy
