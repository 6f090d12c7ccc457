"""A forged mask: a tensor whose mask claims fewer kept entries than the values it carries."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from torch import Tensor

from fedprune.attacks.base import ATTACKS, Attack
from fedprune.codec.body import encode_tensor
from fedprune.codec.entropy import ENTROPY
from fedprune.codec.frame import write_frame
from fedprune.codec.masks import MASKS
from fedprune.codec.pipeline import as_float32
from fedprune.codec.values import VALUES, ValueSpec


def forged_entry(values: np.ndarray) -> tuple[tuple[int, int, int], bytes]:
    """Wire ids and body for ``values`` whose bitmap mask keeps every other entry while the body
    carries every value, raw fp32: a mask inconsistent with its values."""
    claimed = np.zeros(values.size, dtype=bool)
    claimed[::2] = True
    bitmap = MASKS.get("bitmap")
    section = bitmap().encode(claimed) or b""
    body = section + np.ascontiguousarray(values, dtype="<f4").reshape(-1).tobytes()
    return (bitmap.wire_id, VALUES.get("fp32").wire_id, ENTROPY.get("raw").wire_id), body


@ATTACKS.register("forged_mask")
class ForgedMask(Attack):
    """Send the trained model with the first masked tensor (else the first tensor) framed by
    ``forged_entry``: the frame and its CRC are valid, the tensor's mask and values disagree.

    The decoder must refuse it (the values overrun what the mask keeps) rather than guess which
    of the two to believe. ``revive`` is the forgery that decodes: a mask keeping what the global
    mask pruned.
    """

    def poison_payload(
        self, *, payload: bytes, state: Mapping[str, Tensor], masks: Mapping[str, Tensor]
    ) -> bytes:
        target = next(iter(masks), next(iter(state)))
        raw = [ENTROPY.get("raw")()]
        entries = []
        for name, tensor in state.items():
            values = as_float32(name, tensor)
            if name == target:
                ids, body = forged_entry(values)
            else:
                ids, body = encode_tensor(
                    values, mask=None, mask_encoding="auto", spec=ValueSpec(), coders=raw, rng=None
                )
            entries.append((name, tuple(values.shape), ids, body))
        return write_frame(entries)
