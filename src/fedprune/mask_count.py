"""Fast counts over keep-masks: how many entries a mask keeps, whether it keeps them all."""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor


def kept(mask: Tensor) -> int:
    """Non-zero entries of ``mask`` (for a keep-mask: the kept ones), of any dtype.

    NumPy counts the same memory ~4x faster than ``torch.count_nonzero`` and ~17x faster than a
    bool ``sum`` (which widens to int64) on 1.6M entries on one core; a round asks this several
    times per client, so it shows in the per-client overhead (``benchmarks/sim_speed.py``).
    """
    if mask.device.type == "cpu" and not mask.requires_grad:
        return int(np.count_nonzero(mask.numpy()))
    return int(torch.count_nonzero(mask))


def keeps_all(mask: Tensor) -> bool:
    """Whether ``mask`` keeps every entry; for bool masks the minimum of their bytes, ~29x
    faster than ``mask.all()`` on 1.6M entries (an empty mask keeps everything)."""
    if mask.numel() == 0:
        return True
    if mask.dtype == torch.bool:
        return bool(mask.view(torch.uint8).min())
    return bool(mask.all())
