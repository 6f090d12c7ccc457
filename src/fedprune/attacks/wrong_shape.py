"""A payload whose first tensor has the wrong shape."""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import Tensor

from fedprune.attacks.base import ATTACKS, Attack
from fedprune.payload import pack_model


def misshape(t: Tensor) -> Tensor:
    """``t`` one slice shorter along its first axis (one longer when it has a single slice)."""
    if t.dim() == 0:
        return t.reshape(1, 1)
    if t.shape[0] > 1:
        return t[:-1].clone()
    return torch.cat([t, t])


@ATTACKS.register("wrong_shape")
class WrongShape(Attack):
    """Send the trained model fp32-encoded, its first tensor one slice short (``misshape``).

    The frame itself is valid; the server's check against the global model's shapes refuses it.
    """

    def poison_payload(
        self, *, payload: bytes, state: Mapping[str, Tensor], masks: Mapping[str, Tensor]
    ) -> bytes:
        first = next(iter(state))
        bad = {n: misshape(t) if n == first else t for n, t in state.items()}
        return pack_model(params=bad, masks={n: m for n, m in masks.items() if n != first})
