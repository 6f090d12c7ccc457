"""Bandit policies find the best arm of a synthetic reward and replay exactly from a seed."""

from __future__ import annotations

import numpy as np
import pytest

from fedprune.bandit import POLICIES, make_policy

MEANS = [0.2, 0.5, 0.35, 0.1]  # arm 1 is best


def play(name: str, *, rounds: int, seed: int, discount: float = 1.0) -> list[int]:
    policy = make_policy(name=name, arms=len(MEANS), discount=discount, seed=seed)
    noise = np.random.default_rng(seed + 1000)
    arms = []
    for _ in range(rounds):
        arm = policy.select()
        policy.update(arm=arm, reward=MEANS[arm] + 0.1 * noise.standard_normal())
        arms.append(arm)
    return arms


@pytest.mark.parametrize("name", POLICIES.names())
def test_converges_to_the_best_arm(name: str) -> None:
    arms = play(name, rounds=400, seed=0)
    late = arms[200:]
    assert late.count(1) / len(late) > 0.8


@pytest.mark.parametrize("name", POLICIES.names())
def test_discounted_policy_follows_a_switch_of_the_best_arm(name: str) -> None:
    policy = make_policy(name=name, arms=2, discount=0.9, seed=3)
    noise = np.random.default_rng(7)
    picks = []
    for t in range(300):
        arm = policy.select()
        best = 0 if t < 150 else 1
        policy.update(
            arm=arm, reward=(0.6 if arm == best else 0.3) + 0.05 * noise.standard_normal()
        )
        picks.append(arm)
    assert picks[100:150].count(0) > 35 and picks[250:].count(1) > 35


@pytest.mark.parametrize("name", POLICIES.names())
def test_same_seed_same_plays_and_state_round_trips(name: str) -> None:
    assert play(name, rounds=60, seed=5) == play(name, rounds=60, seed=5)
    a = make_policy(name=name, arms=3, seed=1)
    for arm, r in [(0, 0.1), (2, 0.4), (1, 0.2)]:
        a.update(arm=arm, reward=r)
    b = make_policy(name=name, arms=3, seed=99)
    b.load_state_dict(a.state_dict())
    assert [a.select() for _ in range(5)] == [b.select() for _ in range(5)]


def test_ucb_plays_every_arm_once_first_then_discounts() -> None:
    policy = make_policy(name="ucb", arms=3, discount=0.5)
    first = []
    for r in (0.1, 0.2, 0.3):
        arm = policy.select()
        first.append(arm)
        policy.update(arm=arm, reward=r)
    assert first == [0, 1, 2]
    # counts after three updates with gamma 0.5: 0.25, 0.5, 1
    assert policy.counts.tolist() == pytest.approx([0.25, 0.5, 1.0])
    assert policy.means().tolist() == pytest.approx([0.1, 0.2, 0.3])


def test_bad_inputs_are_refused() -> None:
    policy = make_policy(name="ucb", arms=2)
    with pytest.raises(ValueError, match="out of range"):
        policy.update(arm=2, reward=0.0)
    with pytest.raises(ValueError, match="finite"):
        policy.update(arm=0, reward=float("nan"))
    with pytest.raises(ValueError, match="discount"):
        make_policy(name="thompson", arms=2, discount=0.0)
    with pytest.raises(ValueError, match="unknown bandit policy"):
        make_policy(name="exp3", arms=2)
