"""Revival: the client claims every entry kept, giving pruned entries values again."""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import Tensor

from fedprune.attacks.base import ATTACKS, Attack

#: Standard deviation of the values given to revived entries.
REVIVED_STD = 0.05


@ATTACKS.register("revive")
class Revive(Attack):
    """Send all-True masks, with Gaussian values (std ``REVIVED_STD``) on every entry the
    client's mask pruned, including those the global mask pruned.

    A payload-valid forgery: only the server's mask checks can tell it from an honest update.
    """

    def poison_model(
        self,
        *,
        state: Mapping[str, Tensor],
        received: Mapping[str, Tensor],
        masks: Mapping[str, Tensor],
        generator: torch.Generator,
    ) -> tuple[dict[str, Tensor], dict[str, Tensor]]:
        out = {n: t.clone() for n, t in state.items()}
        for name, keep in masks.items():
            noise = REVIVED_STD * torch.randn(keep.shape, generator=generator)
            out[name] = torch.where(keep, out[name], noise.to(out[name].dtype))
        return out, {n: torch.ones_like(m) for n, m in masks.items()}
