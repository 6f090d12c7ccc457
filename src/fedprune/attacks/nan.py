"""Non-finite values: NaN and Inf in an otherwise well-formed payload."""

from __future__ import annotations

from collections.abc import Mapping

from torch import Tensor

from fedprune.attacks.base import ATTACKS, Attack
from fedprune.payload import FP32, pack_model


@ATTACKS.register("nan")
class NonFinite(Attack):
    """Send the trained model, fp32-encoded, with its first two entries set to NaN and +Inf.

    Encoded through the codec (fp32 carries both bit patterns), so the payload decodes; the
    server's finiteness check must refuse it.
    """

    def poison_payload(
        self, *, payload: bytes, state: Mapping[str, Tensor], masks: Mapping[str, Tensor]
    ) -> bytes:
        name = next(iter(state))
        bad = {n: t.contiguous().clone() for n, t in state.items()}  # any memory layout
        flat = bad[name].view(-1)
        flat[0] = float("nan")
        flat[1:2] = float("inf")
        # sent dense: under its mask a poisoned entry the client pruned would not travel
        sent = {n: m for n, m in masks.items() if n != name}
        return pack_model(params=bad, masks=sent, pipeline=FP32)
