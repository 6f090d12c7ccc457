"""Pruning: criteria (scores), pruners (masks from scores), schedules and mask helpers."""

# imported for their registrations
from fedprune.prune import (  # noqa: F401
    erk,
    global_,
    layerwise,
    sensitivity_pruner,
    threshold,
)
from fedprune.prune.base import PRUNERS, Masks, Pruner
from fedprune.prune.criteria import CRITERIA, Criterion, Need
from fedprune.prune.mask import apply_masks, full_masks
from fedprune.prune.schedule import SCHEDULES, Schedule

__all__ = [
    "CRITERIA",
    "PRUNERS",
    "SCHEDULES",
    "Criterion",
    "Masks",
    "Need",
    "Pruner",
    "Schedule",
    "apply_masks",
    "full_masks",
]
