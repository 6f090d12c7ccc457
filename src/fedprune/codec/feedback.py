"""Top-k error feedback (DGC/STC): what compression drops is kept and added to the next update.

Lin et al. 2018 (DGC), https://arxiv.org/abs/1712.01887; Sattler et al. 2019 (STC),
https://arxiv.org/abs/1903.02891.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from fedprune.codec.pipeline import Pipeline, encode_pipeline, parse_pipeline
from fedprune.codec.wire import decode


@dataclass(frozen=True)
class FeedbackStep:
    """One compressed send: the payload, what the receiver decodes, and the new residual."""

    payload: bytes
    sent: dict[str, torch.Tensor]
    residual: dict[str, torch.Tensor]


def feedback_step(
    *,
    update: Mapping[str, torch.Tensor],
    residual: Mapping[str, torch.Tensor],
    pipeline: Pipeline | str,
    masks: Mapping[str, torch.Tensor] | None = None,
    rng: np.random.Generator | int | None = None,
) -> FeedbackStep:
    """``compensated = update + residual``; send it; ``residual' = compensated - decoded``.

    Pure: the inputs are not changed. Summed over rounds, ``sent`` plus the final residual
    equals the summed updates (up to float rounding), whatever the pipeline drops.
    """
    pipe = parse_pipeline(pipeline) if isinstance(pipeline, str) else pipeline
    compensated = {}
    for name, tensor in update.items():
        base = tensor.detach().to(torch.float32)
        previous = residual.get(name)
        if previous is not None and previous.shape != base.shape:
            raise ValueError(
                f"residual {name!r} has shape {tuple(previous.shape)}, update {tuple(base.shape)}"
            )
        compensated[name] = base if previous is None else base + previous
    payload = encode_pipeline(tensors=compensated, masks=masks, pipeline=pipe, rng=rng)
    sent = decode(
        payload,
        max_elements=sum(t.numel() for t in compensated.values()),
        known_masks=masks if pipe.mask == "known" else None,
    ).tensors
    new_residual = {name: compensated[name] - sent[name] for name in compensated}
    return FeedbackStep(payload=payload, sent=sent, residual=new_residual)


class ErrorFeedback:
    """One client's error-feedback memory around a (usually ``topk(f)+...``) pipeline.

    Parameters
    ----------
    pipeline:
        The uplink pipeline, or its text.
    """

    def __init__(self, *, pipeline: Pipeline | str) -> None:
        self.pipeline = parse_pipeline(pipeline) if isinstance(pipeline, str) else pipeline
        self._residual: dict[str, torch.Tensor] = {}

    @property
    def residual(self) -> dict[str, torch.Tensor]:
        """The current residual per tensor (empty before the first step)."""
        return dict(self._residual)

    def step(
        self,
        *,
        update: Mapping[str, torch.Tensor],
        masks: Mapping[str, torch.Tensor] | None = None,
        rng: np.random.Generator | int | None = None,
    ) -> FeedbackStep:
        """Compress ``update`` plus the residual, keep the new residual, return the send."""
        result = feedback_step(
            update=update, residual=self._residual, pipeline=self.pipeline, masks=masks, rng=rng
        )
        self._residual = result.residual
        return result

    def drop_outside(self, *, masks: Mapping[str, torch.Tensor]) -> None:
        """Zero the residual where ``masks`` prune: a pruned entry's ``-weight`` is not an
        update the codec dropped, and sending it later would fight the pruning."""
        for name, mask in masks.items():
            if name in self._residual:
                self._residual[name] = self._residual[name] * mask.to(torch.bool)

    def reset(self) -> None:
        """Forget the residual (e.g. when the model's shapes change)."""
        self._residual = {}

    def state_dict(self) -> dict[str, Any]:
        """``{"pipeline": text, "residual": {name: tensor}}`` (copies)."""
        return {
            "pipeline": str(self.pipeline),
            "residual": {n: t.clone() for n, t in self._residual.items()},
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore a ``state_dict``; its pipeline must match this one."""
        if state.get("pipeline") != str(self.pipeline):
            raise ValueError(
                f"state is for pipeline {state.get('pipeline')!r}, this is {str(self.pipeline)!r}"
            )
        residual = state.get("residual")
        if not isinstance(residual, Mapping) or not all(
            isinstance(t, torch.Tensor) for t in residual.values()
        ):
            raise ValueError("state['residual'] must map names to tensors")
        self._residual = {n: t.detach().to(torch.float32).clone() for n, t in residual.items()}
