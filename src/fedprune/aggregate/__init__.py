"""Aggregation rules (pure functions of decoded updates, weights and, optionally, masks)."""

from fedprune.aggregate.masked_mean import masked_mean
from fedprune.aggregate.mean import weighted_mean
from fedprune.aggregate.registry import AGGREGATORS, Aggregated, option_names, takes_masks

__all__ = [
    "AGGREGATORS",
    "Aggregated",
    "masked_mean",
    "option_names",
    "takes_masks",
    "weighted_mean",
]
