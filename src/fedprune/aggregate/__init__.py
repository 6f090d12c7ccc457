"""Aggregation rules (pure functions of decoded updates and weights)."""

from fedprune.aggregate.mean import weighted_mean
from fedprune.aggregate.registry import AGGREGATORS

__all__ = ["AGGREGATORS", "weighted_mean"]
