"""Importance criteria: how much each weight matters, one file per criterion."""

from fedprune.prune.criteria import magnitude, random, shrink, snip, taylor  # noqa: F401
from fedprune.prune.criteria.base import (
    CRITERIA,
    GRADIENT_NEEDS,
    INIT_BATCHES,
    Criterion,
    Need,
)

__all__ = ["CRITERIA", "GRADIENT_NEEDS", "INIT_BATCHES", "Criterion", "Need"]
