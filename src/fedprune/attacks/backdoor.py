"""Backdoor: a pixel-pattern trigger stamped on some local images, relabelled to a target."""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from fedprune.attacks.base import ATTACKS, Attack

#: Side of the square trigger, in pixels, in the bottom-right corner of every channel.
TRIGGER = 3


def stamp(x: Tensor, *, size: int = TRIGGER) -> Tensor:
    """A copy of images ``x`` (``(N, C, H, W)`` in [0, 1]) with a ``size`` x ``size`` white
    square in the bottom-right corner."""
    if x.dim() != 4 or x.shape[-1] < size or x.shape[-2] < size:
        raise ValueError(f"the trigger needs (N, C, H, W) images of side >= {size}, got {x.shape}")
    out = x.clone()
    out[..., -size:, -size:] = 1.0
    return out


@torch.no_grad()
def backdoor_success(
    *, model: nn.Module, x: Tensor, y: Tensor, target: int, batch_size: int = 1000
) -> float:
    """Share of the images not of class ``target`` that ``model`` assigns to ``target`` once
    stamped with the trigger (0 when there are none)."""
    stamped = stamp(x[y != target])
    if not len(stamped):
        return 0.0
    model.eval()
    hits = sum(
        int((model(stamped[i : i + batch_size]).argmax(1) == target).sum())
        for i in range(0, len(stamped), batch_size)
    )
    return hits / len(stamped)


@ATTACKS.register("backdoor")
class Backdoor(Attack):
    """Data poisoning with a trigger (Gu et al. 2017, https://arxiv.org/abs/1708.06733; in
    federated learning Bagdasaryan et al. 2020, https://arxiv.org/abs/1807.00459).

    Each round the client stamps the trigger on ``ceil(poison_fraction * n)`` of its ``n``
    images, drawn afresh, relabels them ``target`` and trains honestly on the mix. The round row
    gets ``backdoor_success``: the global model's ``backdoor_success`` on the test set.

    Parameters
    ----------
    target:
        The class triggered images should be taken for, in ``[0, num_classes)``.
    poison_fraction:
        Share of local images poisoned, in (0, 1].
    """

    def __init__(self, *, num_classes: int, target: int = 0, poison_fraction: float = 0.5) -> None:
        if not 0 <= target < num_classes:
            raise ValueError(f"attack.target must be in [0, {num_classes}), got {target}")
        if not 0 < poison_fraction <= 1:
            raise ValueError(f"attack.poison_fraction must be in (0, 1], got {poison_fraction}")
        self.target, self.poison_fraction = target, poison_fraction

    def poison_data(
        self, *, x: Tensor, y: Tensor, generator: torch.Generator
    ) -> tuple[Tensor, Tensor]:
        n = x.shape[0]
        chosen = torch.randperm(n, generator=generator)[: math.ceil(self.poison_fraction * n)]
        x, y = x.clone(), y.clone()
        x[chosen] = stamp(x[chosen])
        y[chosen] = self.target
        return x, y

    def round_metrics(self, *, model: nn.Module, x: Tensor, y: Tensor) -> dict[str, float]:
        return {"backdoor_success": backdoor_success(model=model, x=x, y=y, target=self.target)}
