"""Aggregation rules (pure functions of decoded updates, weights and, optionally, masks)."""

from fedprune.aggregate.krum import krum, krum_scores, krum_select, multi_krum
from fedprune.aggregate.masked_mean import masked_mean
from fedprune.aggregate.mean import weighted_mean
from fedprune.aggregate.median import median
from fedprune.aggregate.norm_bound import clip_factor, norm_bounded_mean, update_norm
from fedprune.aggregate.registry import (
    AGGREGATORS,
    Aggregated,
    option_names,
    required_options,
    takes_masks,
    takes_reference,
)
from fedprune.aggregate.trimmed_mean import trimmed_mean

__all__ = [
    "AGGREGATORS",
    "Aggregated",
    "clip_factor",
    "krum",
    "krum_scores",
    "krum_select",
    "masked_mean",
    "median",
    "multi_krum",
    "norm_bounded_mean",
    "option_names",
    "required_options",
    "takes_masks",
    "takes_reference",
    "trimmed_mean",
    "update_norm",
    "weighted_mean",
]
