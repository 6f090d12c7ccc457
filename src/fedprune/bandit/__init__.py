"""Bandit policies that learn a pruning level during a run (``fedprune.strategy.bandit``)."""

from fedprune.bandit import thompson, ucb  # noqa: F401  (registration)
from fedprune.bandit.base import POLICIES, Policy, make_policy

__all__ = ["POLICIES", "Policy", "make_policy"]
