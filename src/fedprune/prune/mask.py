"""Helpers that keep masks and parameters consistent."""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import Tensor


def full_masks(params: Mapping[str, Tensor], names: list[str]) -> dict[str, Tensor]:
    """All-True masks for the named parameters."""
    return {n: torch.ones_like(params[n], dtype=torch.bool) for n in names}


@torch.no_grad()
def apply_masks(params: Mapping[str, Tensor], masks: Mapping[str, Tensor]) -> None:
    """Zero, in place, every masked-out entry of the named parameters."""
    for name, mask in masks.items():
        params[name].mul_(mask)
