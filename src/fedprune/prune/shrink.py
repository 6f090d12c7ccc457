"""L1 shrinkage: the proximal soft-threshold step that drives small weights to exact zero."""

from __future__ import annotations

import torch
from torch import Tensor


def soft_threshold(w: Tensor, *, threshold: float) -> Tensor:
    """``sign(w) * max(|w| - threshold, 0)``, the proximal operator of ``threshold * ||w||_1``.

    After an SGD step with learning rate ``lr`` on the data loss, applying it with
    ``threshold = lr * l1`` is one proximal-gradient step on ``loss + l1 * ||w||_1`` (Beck &
    Teboulle 2009, ISTA): entries with ``|w| <= threshold`` become exactly 0, the rest shrink.
    """
    if threshold < 0:
        raise ValueError(f"soft-threshold must be >= 0, got {threshold}")
    return torch.sign(w) * torch.clamp(w.abs() - threshold, min=0)
