"""Named tensors <-> one flat vector of the entries a shared mask keeps.

Secure aggregation sums vectors position by position, so every client must lay its update
out the same way. Over the round's global mask (known to all), only kept entries take a
position: a pruned model's secure input is as short as its sparse update. Names are taken in
sorted order; a tensor without a mask is kept whole.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import torch
from torch import Tensor


def kept_length(*, like: Mapping[str, Tensor], masks: Mapping[str, Tensor]) -> int:
    """How many positions ``flatten`` gives for tensors shaped like ``like``."""
    return sum(int(masks[n].sum()) if n in masks else like[n].numel() for n in like)


def flatten(*, tensors: Mapping[str, Tensor], masks: Mapping[str, Tensor]) -> np.ndarray:
    """The kept entries of every tensor, name by name in sorted order, as float64."""
    parts = []
    for name in sorted(tensors):
        t = tensors[name].detach().reshape(-1)
        if name in masks:
            t = t[masks[name].reshape(-1)]
        parts.append(t.to(torch.float64).numpy())
    return np.concatenate(parts) if parts else np.zeros(0)


def unflatten(
    vector: np.ndarray, *, like: Mapping[str, Tensor], masks: Mapping[str, Tensor]
) -> dict[str, Tensor]:
    """Inverse of ``flatten``: tensors of ``like``'s shapes and dtypes, zero where pruned."""
    if len(vector) != kept_length(like=like, masks=masks):
        raise ValueError(
            f"vector of {len(vector)} entries, expected {kept_length(like=like, masks=masks)}"
        )
    out: dict[str, Tensor] = {}
    pos = 0
    values = torch.from_numpy(np.ascontiguousarray(vector, dtype=np.float64))
    for name in sorted(like):
        ref = like[name]
        flat = torch.zeros(ref.numel(), dtype=torch.float64)
        if name in masks:
            keep = masks[name].reshape(-1)
            n = int(keep.sum())
            flat[keep] = values[pos : pos + n]
        else:
            n = ref.numel()
            flat = values[pos : pos + n].clone()
        pos += n
        out[name] = flat.reshape(ref.shape).to(ref.dtype)
    return {n: out[n] for n in like}
