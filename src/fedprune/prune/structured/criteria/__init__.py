"""Channel importance criteria, one file per criterion."""

from fedprune.prune.structured.criteria import bn_scale, l1, random, taylor  # noqa: F401
from fedprune.prune.structured.criteria.base import CHANNEL_CRITERIA, ChannelCriterion

__all__ = ["CHANNEL_CRITERIA", "ChannelCriterion"]
