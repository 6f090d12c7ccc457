"""The learned pruning schedule: steps chosen by the bandit, rewards from the clients."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
import torch

from fedprune.bandit import make_policy
from fedprune.config import ConfigError, build_config
from fedprune.experiment import Experiment
from fedprune.messages import GlobalModel, Instruction, Update
from fedprune.strategy.bandit import BanditPruning, BanditSchedule, upload_density
from fedprune.strategy.base import Strategy

TINY = [
    "data.dataset=digits",
    "model.name=mlp",
    "data.num_clients=4",
    "data.val_fraction=0.2",
    "federation.clients_per_round=4",
    "federation.rounds=5",
    "train.epochs=1",
    "engine.threads=1",
    "pruning.mode=client",
    "pruning.target=0.6",
    "bandit.enabled=true",
]


class Passthrough(Strategy):
    def configure_round(self, *, rnd: int, model: GlobalModel, clients: Sequence[int]):
        return {c: Instruction(epochs=1, batch_size=1, lr=0.1) for c in clients}

    def aggregate(self, *, rnd: int, model: GlobalModel, updates: Sequence[Update]):
        return model


def upd(acc: float, n: int, kept: int) -> Update:
    mask = torch.zeros(10, dtype=torch.bool)
    mask[:kept] = True
    return Update(
        cid=0,
        num_examples=n,
        params={"w": torch.zeros(10)},
        masks={"w": mask},
        metrics={"val_accuracy": acc},
    )


def test_schedule_steps_up_by_the_chosen_arm_and_caps_at_the_final_target() -> None:
    policy = make_policy(name="ucb", arms=3)  # plays arms 0, 1, 2 first
    schedule = BanditSchedule(policy=policy, steps=[0.0, 0.1, 0.3], final=0.35, start=2)

    targets = []
    for r in (1, 2, 3, 4):
        targets.append(schedule.target(r))
        targets.append(schedule.target(r))  # one draw per round
        if r in schedule.chosen:
            policy.update(arm=schedule.chosen[r][0], reward=0.0)

    assert targets == [None, None, 0.0, 0.0, 0.1, 0.1, pytest.approx(0.35), pytest.approx(0.35)]


def test_reward_is_accuracy_gain_per_upload_density() -> None:
    policy = make_policy(name="ucb", arms=2)
    schedule = BanditSchedule(policy=policy, steps=[0.0, 0.5], final=0.9, start=1)
    s = BanditPruning(inner=Passthrough(), schedule=schedule)
    model = GlobalModel(
        params={"w": torch.zeros(10)}, masks={"w": torch.ones(10, dtype=torch.bool)}
    )

    for rnd, updates in [
        (1, [upd(0.5, 1, 10), upd(0.7, 3, 10)]),  # accuracy 0.65, no reward yet
        (2, [upd(0.8, 2, 5), upd(0.6, 2, 5)]),  # accuracy 0.70, density 0.5
    ]:
        s.configure_round(rnd=rnd, model=model, clients=[0])
        schedule.target(rnd)
        s.aggregate(rnd=rnd, model=model, updates=updates)

    # UCB plays arm 0 first (round 1 had no reward to learn from, so round 2 too)
    assert s.history == [
        {"round": 2, "arm": 0, "level": 0.0, "reward": pytest.approx((0.70 - 0.65) / 0.5)}
    ]
    assert policy.counts.tolist() == [1.0, 0.0]
    assert upload_density([upd(0.0, 1, 3), upd(0.0, 1, 5)]) == pytest.approx(0.4)


def test_bandit_needs_validation_and_pruning() -> None:
    with pytest.raises(ConfigError, match="val_fraction"):
        build_config(overrides=[o for o in TINY if "val_fraction" not in o])
    with pytest.raises(ConfigError, match=r"pruning\.mode"):
        build_config(overrides=[*TINY, "pruning.mode=none"])
    with pytest.raises(ConfigError, match="unknown bandit policy"):
        build_config(overrides=[*TINY, "bandit.policy=exp3"])


def test_in_federation_the_sparsity_follows_the_chosen_steps() -> None:
    exp = Experiment(config=build_config(overrides=TINY))
    result = exp.run()

    history = exp.strategy.history  # type: ignore[attr-defined]
    assert [h["round"] for h in history] == [2, 3, 4, 5]
    levels = [h["level"] for h in history]
    assert levels == sorted(levels) and levels[-1] <= 0.6
    for h, row in zip(history, result.rounds[1:], strict=True):
        assert row["sparsity"] == pytest.approx(h["level"], abs=0.01)
