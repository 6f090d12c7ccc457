"""Client-side work for one round: decode, train under the mask, prune, encode."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor, nn

from fedprune.codec import ErrorFeedback, Pipeline, encode_pipeline
from fedprune.messages import ClientJob, ClientReply, PruneOrder
from fedprune.payload import FP32, masks_to_send, pack_model, unpack_model
from fedprune.prune import CRITERIA, PRUNERS, Pruner
from fedprune.prune.mask import apply_masks
from fedprune.training import evaluate, train_local


@dataclass(frozen=True)
class ClientData:
    """One client's local training tensors and optional validation tensors."""

    x: Tensor
    y: Tensor
    x_val: Tensor | None = None
    y_val: Tensor | None = None


def make_pruner(*, name: str, threshold: float | None = None) -> Pruner:
    """Instantiate a registered pruner; only ``threshold`` takes a parameter."""
    cls = PRUNERS.get(name)
    return cls(threshold=threshold) if threshold is not None else cls()  # type: ignore[call-arg]


def client_seed(*, seed: int, rnd: int, cid: int) -> int:
    """A per-(seed, round, client) seed, so a client's batches do not depend on who else runs."""
    return int(np.random.SeedSequence([seed, rnd, cid]).generate_state(1)[0])


@dataclass(frozen=True)
class Uplink:
    """How a client encodes its update: the codec pipeline, weights or deltas, error feedback.

    With ``delta`` the client sends ``trained - received``; with ``error_feedback`` too, what the
    pipeline drops is kept in a per-client residual and added to the next update (DGC/STC).
    """

    pipeline: Pipeline = FP32
    delta: bool = False
    error_feedback: bool = False


class ClientWorker:
    """Holds one reusable model and every client's data; ``__call__`` runs one client job.

    The model is built once and reloaded from each downlink, so nothing is reconstructed per
    client or per round.
    """

    def __init__(
        self,
        *,
        model: nn.Module,
        prunable: Sequence[str],
        data: Sequence[ClientData],
        seed: int,
        uplink: Uplink | None = None,
    ) -> None:
        self.model = model
        self.prunable = list(prunable)
        self.data = data
        self.seed = seed
        self.reference = {k: v.detach().clone() for k, v in model.state_dict().items()}
        self.uplink = uplink or Uplink()
        # client memory: error-feedback residuals, per client id
        self.feedback: dict[int, ErrorFeedback] = {}

    def __call__(self, job: ClientJob) -> ClientReply:
        data = self.data[job.cid]
        params, masks = unpack_model(
            payload=job.downlink, reference=self.reference, prunable=self.prunable
        )
        self.model.load_state_dict(params)
        gen = torch.Generator().manual_seed(client_seed(seed=self.seed, rnd=job.rnd, cid=job.cid))
        metrics = train_local(
            model=self.model,
            x=data.x,
            y=data.y,
            masks=masks,
            instruction=job.instruction,
            generator=gen,
        )
        state = {k: v.detach() for k, v in self.model.state_dict().items()}
        if job.instruction.prune is not None:
            masks = self._prune(state=state, masks=masks, order=job.instruction.prune)
        if data.x_val is not None and data.y_val is not None and len(data.y_val):
            # the model as uploaded: trained, then pruned (the state tensors are its own)
            metrics["val_accuracy"] = evaluate(model=self.model, x=data.x_val, y=data.y_val)[0]
        return ClientReply(
            cid=job.cid,
            payload=self._encode(job=job, received=params, state=state, masks=masks),
            num_examples=int(data.x.shape[0]),
            metrics=metrics,
        )

    def _encode(
        self,
        *,
        job: ClientJob,
        received: dict[str, Tensor],
        state: dict[str, Tensor],
        masks: dict[str, Tensor],
    ) -> bytes:
        up = self.uplink
        rng = np.random.default_rng([self.seed, job.rnd, job.cid, 1])
        if not up.delta:
            return pack_model(params=state, masks=masks, pipeline=up.pipeline, rng=rng)
        delta = {k: state[k] - received[k] for k in state}
        # top-k selects within the kept entries; delta mode implies no client-side pruning, so
        # these are the global masks, which a mask-known server holds
        sent_masks = masks_to_send(masks=masks, pipeline=up.pipeline)
        if up.error_feedback:
            ef = self.feedback.setdefault(job.cid, ErrorFeedback(pipeline=up.pipeline))
            return ef.step(update=delta, masks=sent_masks, rng=rng).payload
        return encode_pipeline(tensors=delta, masks=sent_masks, pipeline=up.pipeline, rng=rng)

    @staticmethod
    def _prune(
        *, state: dict[str, Tensor], masks: dict[str, Tensor], order: PruneOrder
    ) -> dict[str, Tensor]:
        pruner = make_pruner(name=order.pruner, threshold=order.threshold)
        scores = CRITERIA.get(order.criterion)({n: state[n] for n in masks})
        new = pruner.compute_masks(scores=scores, masks=masks, target=order.target)
        apply_masks(state, new)
        return new
