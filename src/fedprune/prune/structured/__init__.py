"""Structured pruning: remove whole channels, neurons or blocks so the model physically shrinks.

Channel groups come from Torch-Pruning's dependency graph (Fang et al. 2023,
https://arxiv.org/abs/2301.12900): a conv's output channels, its BatchNorm, the next layer's
inputs and every layer a residual sum ties to them go together. The flow is
``channel_scores`` -> ``plan_channels`` / ``plan_to_budget`` -> ``apply_plan`` (index maps for
anything shaped like the weights), and ``conform`` for a model that must follow a pruned one.
"""

from fedprune.prune.structured.apply import apply_plan
from fedprune.prune.structured.blocks import block_scores, removable_blocks, remove_blocks
from fedprune.prune.structured.budget import plan_to_budget
from fedprune.prune.structured.conform import conform
from fedprune.prune.structured.criteria import CHANNEL_CRITERIA, ChannelCriterion
from fedprune.prune.structured.graph import channel_groups
from fedprune.prune.structured.plan import Plan, plan_channels
from fedprune.prune.structured.scores import channel_scores

__all__ = [
    "CHANNEL_CRITERIA",
    "ChannelCriterion",
    "Plan",
    "apply_plan",
    "block_scores",
    "channel_groups",
    "channel_scores",
    "conform",
    "plan_channels",
    "plan_to_budget",
    "removable_blocks",
    "remove_blocks",
]
