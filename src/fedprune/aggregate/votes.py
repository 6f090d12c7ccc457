"""Per-entry votes: client values stacked with the masks that say which clients keep each entry.

Shared by the coordinate-wise rules (median, trimmed mean): a client whose mask prunes an entry
casts no vote on it, an entry no client keeps is pruned, and tensors without masks are kept by
every client.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import torch
from torch import Tensor

from fedprune.aggregate.mean import check_inputs
from fedprune.aggregate.registry import Aggregated

#: ``rule(values, keep, count)``: per-entry result from the stacked ``(K, ...)`` float64 client
#: values, their keep flags and the number of keepers of each entry.
EntryRule = Callable[[Tensor, Tensor, Tensor], Tensor]


def check_masks(
    *,
    tensors: Sequence[Mapping[str, Tensor]],
    masks: Sequence[Mapping[str, Tensor]],
) -> list[str]:
    """Check one bool mask per update for the same tensors, shaped like them; return the names."""
    if len(masks) != len(tensors):
        raise ValueError(f"{len(tensors)} updates but {len(masks)} masks")
    names = list(masks[0]) if masks else []
    for k, (t, m) in enumerate(zip(tensors, masks, strict=True)):
        if sorted(m) != sorted(names):
            raise ValueError(f"update {k} has masks {sorted(m)}, expected {sorted(names)}")
        for name in names:
            if name not in t:
                raise ValueError(f"update {k}: mask {name} names no tensor")
            if m[name].dtype != torch.bool or m[name].shape != t[name].shape:
                raise ValueError(
                    f"update {k}: mask {name} must be bool of shape {tuple(t[name].shape)}, "
                    f"got {m[name].dtype} {tuple(m[name].shape)}"
                )
    return names


def stack_votes(
    *, tensors: Sequence[Mapping[str, Tensor]], masks: Sequence[Mapping[str, Tensor]], name: str
) -> tuple[Tensor, Tensor]:
    """``(values, keep)``: tensor ``name`` of every update stacked on a new first axis (float64),
    and who keeps each entry (everyone, for a tensor without masks)."""
    values = torch.stack([t[name].to(torch.float64) for t in tensors])
    if masks and name in masks[0]:
        return values, torch.stack([m[name] for m in masks])
    return values, torch.ones(values.shape, dtype=torch.bool)


def rank_mean(*, values: Tensor, keep: Tensor, lo: Tensor, hi: Tensor) -> Tensor:
    """Per entry, the mean of its keepers' values ranked ``lo..hi`` (0-based, both included) in
    increasing order; 0 where that range is empty."""
    ordered = values.masked_fill(~keep, float("inf")).sort(dim=0).values
    ranks = torch.arange(values.shape[0]).view(-1, *([1] * (values.dim() - 1)))
    # non-keepers sort last (+inf), so the keepers hold ranks 0 .. count - 1
    chosen = (ranks >= lo) & (ranks <= hi) & (ranks < keep.sum(0))
    return ordered.masked_fill(~chosen, 0.0).sum(0) / chosen.sum(0).clamp(min=1)


def per_entry(
    *,
    tensors: Sequence[Mapping[str, Tensor]],
    weights: Sequence[float],
    masks: Sequence[Mapping[str, Tensor]],
    rule: EntryRule,
) -> Aggregated:
    """Apply ``rule`` to every tensor's stacked votes; entries without a keeper are zero and, for
    masked tensors, pruned in the returned masks."""
    check_inputs(tensors=tensors, weights=weights)
    masked = check_masks(tensors=tensors, masks=masks)
    params: dict[str, Tensor] = {}
    kept: dict[str, Tensor] = {}
    for name, like in tensors[0].items():
        values, keep = stack_votes(tensors=tensors, masks=masks, name=name)
        count = keep.sum(0)
        out = rule(values, keep, count).masked_fill(count == 0, 0.0)
        params[name] = out.to(like.dtype)
        if name in masked:
            kept[name] = count > 0
    return Aggregated(params=params, masks=kept)
