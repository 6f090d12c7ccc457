"""Per-client downlinks: a client that already holds the global masks gets values only."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
from torch import Tensor

from fedprune.codec import Pipeline, encode_pipeline
from fedprune.mask_count import keeps_all
from fedprune.messages import GlobalModel


def mask_digest(masks: Mapping[str, Tensor]) -> bytes:
    """blake2b (16 bytes) of the masks' names, shapes and packed bits, in order."""
    h = hashlib.blake2b(digest_size=16)
    for name, mask in masks.items():
        h.update(f"{name}:{tuple(mask.shape)};".encode())
        h.update(np.packbits(mask.detach().cpu().bool().numpy().reshape(-1)).tobytes())
    return h.digest()


class DownlinkEncoder:
    """Encodes the global model for each client of a round.

    With a mask-known pipeline the server remembers a digest of the masks it last sent each
    client; a client whose digest matches gets the mask-known payload (values and a 12-byte
    count + CRC32 check per partial mask, so a stale cache fails with ``CodecError``) when it
    is the shorter, any other the same pipeline with explicit masks. Other pipelines: one
    payload for everyone.
    """

    def __init__(self, *, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        self.known = pipeline.mask == "known"
        self.full = replace(pipeline, mask="auto") if self.known else pipeline
        self._sent: dict[int, bytes] = {}
        # the last round's full-form payload: what every client decoded, masks and all
        self.last_full = b""

    def payloads(
        self, *, model: GlobalModel, clients: Sequence[int], seed: Sequence[int]
    ) -> dict[int, bytes]:
        """``{cid: payload}``; ``seed`` seeds stochastic rounding, the same for both forms so
        that they decode to identical values."""

        # all-ones masks are not sent in either form: a prunable tensor sent dense is fully kept
        partial = {n: m for n, m in model.masks.items() if not keeps_all(m)}

        def pack(pipeline: Pipeline) -> bytes:
            rng = np.random.default_rng(list(seed))
            return encode_pipeline(tensors=model.params, masks=partial, pipeline=pipeline, rng=rng)

        full = pack(self.full)
        self.last_full = full
        if not self.known:
            return {c: full for c in clients}
        digest = mask_digest(model.masks)
        known = pack(self.pipeline) if any(self._sent.get(c) == digest for c in clients) else full
        # tensors under ~100 elements: a bitmap is shorter than the 12-byte check
        known = min(known, full, key=len)
        out = {c: known if self._sent.get(c) == digest else full for c in clients}
        self._sent.update({c: digest for c in clients})
        return out

    def forget(self, cid: int) -> None:
        """The client may not hold what was sent (it failed): send it full masks next time."""
        self._sent.pop(cid, None)

    def state_dict(self) -> dict[str, Any]:
        """``{"sent": {cid: digest hex}}``."""
        return {"sent": {str(c): d.hex() for c, d in sorted(self._sent.items())}}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore ``state_dict()``."""
        self._sent = {int(c): bytes.fromhex(d) for c, d in state["sent"].items()}
