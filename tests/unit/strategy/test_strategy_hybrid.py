"""Hybrid targets: a dense-model sparsity target translated into the structurally pruned model."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fedprune.prune.schedule import OneShot
from fedprune.strategy.hybrid import HybridTarget, remaining_target


def test_remaining_target_on_exact_numbers():
    assert remaining_target(target=0.8, kept=0.5) == pytest.approx(0.6)
    assert remaining_target(target=0.8, kept=1.0) == pytest.approx(0.8)
    # the structure alone already keeps fewer weights than the target allows
    assert remaining_target(target=0.5, kept=0.4) == 0.0


@given(st.floats(0, 1), st.floats(0.01, 1))
def test_remaining_target_meets_the_dense_budget(target, kept):
    within = remaining_target(target=target, kept=kept)
    assert 0.0 <= within <= 1.0
    # kept share of the dense model after both steps is at most what the target allows
    assert kept * (1 - within) <= (1 - target) + 1e-9 or within == 0.0


def test_remaining_target_rejects_a_bad_share():
    with pytest.raises(ValueError, match="kept share"):
        remaining_target(target=0.5, kept=0.0)


def test_hybrid_schedule_follows_the_structural_share():
    sched = HybridTarget(schedule=OneShot(final=0.9, start=3, end=3, frequency=1))
    assert sched.target(2) is None
    assert sched.target(3) == pytest.approx(0.9)
    sched.kept = 0.25
    assert sched.target(4) == pytest.approx(0.6)
