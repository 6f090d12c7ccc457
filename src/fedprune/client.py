"""Client-side work for one round: decode, train under the mask, prune, encode."""

from __future__ import annotations

import copy
from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from fedprune.attacks import HONEST, Adversary, attack_generator
from fedprune.client_memory import SpilledFeedback
from fedprune.codec import CodecError, ErrorFeedback, Pipeline, encode_pipeline
from fedprune.messages import ClientJob, ClientReply, PruneOrder
from fedprune.models.layout import apply_layout
from fedprune.packed_mask import PackedMask
from fedprune.payload import (
    FP32,
    load_sent_state,
    masks_to_send,
    pack_model,
    peek_shapes,
    sent_state,
    unpack_model,
)
from fedprune.privacy.local import privatize
from fedprune.prune import CRITERIA, PRUNERS, Need, Pruner
from fedprune.prune.criteria import INIT_BATCHES
from fedprune.prune.mask import apply_masks
from fedprune.prune.regrow import regrow_masks
from fedprune.prune.structured import channel_scores, conform
from fedprune.silo import train_data_parallel
from fedprune.sparse_linear import SparsePolicy
from fedprune.training import GradientMean, evaluate, loss_gradients, train_local


@dataclass(frozen=True)
class ClientData:
    """One client's local training tensors and optional validation tensors."""

    x: Tensor
    y: Tensor
    x_val: Tensor | None = None
    y_val: Tensor | None = None


def encode_importance(gradients: GradientMean, *, examples: int) -> bytes:
    """PruneFL's per-entry importance of one client's round, fp32-encoded for upload: the
    squared sum of its steps' data-loss gradients times its example count (Jiang et al. 2022,
    https://arxiv.org/abs/1909.12326, their client's accumulated squared gradient)."""
    scores = {n: (s.square() * examples).contiguous() for n, s in gradients.sums.items()}
    return encode_pipeline(tensors=scores, masks={}, pipeline=FP32)


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

    With ``delta`` the client sends ``trained - received`` at the entries its mask keeps, with
    that mask; with ``error_feedback`` too, what the pipeline drops is kept in a per-client
    residual and added to the next update (DGC/STC), except at pruned entries.
    """

    pipeline: Pipeline = FP32
    delta: bool = False
    error_feedback: bool = False


class ClientWorker:
    """Holds one reusable model and every client's data; ``__call__`` runs one client job.

    The model is built once and reloaded from each downlink, so nothing is reconstructed per
    client or per round. A prune order's criterion gets what it declares it needs, and only
    that: gradients at the received weights (taken before training, on the first batches
    training will use), gradients averaged over training, or the client's seeded generator.
    """

    def __init__(
        self,
        *,
        model: nn.Module,
        prunable: Sequence[str],
        data: Sequence[ClientData],
        seed: int,
        uplink: Uplink | None = None,
        adversary: Adversary | None = None,
        cache_masks: bool = False,
        channels_last: bool = False,
        spill_dir: Path | str | None = None,
        device: torch.device | str = "cpu",
        sparse: SparsePolicy | None = None,
    ) -> None:
        # the layout training runs in (fedprune.models.layout); kept when the structure changes
        self.channels_last = channels_last
        self.model = apply_layout(model, channels_last=channels_last)
        # the architecture as built: a client sent a *wider* model than it holds (HeteroFL's
        # widths change from client to client) starts again from it
        self.pristine = copy.deepcopy(model)
        self.prunable = list(prunable)
        self.data = data
        self.seed = seed
        self.reference = sent_state(model)
        self.max_elements = sum(t.numel() for t in self.reference.values()) + 1
        self.uplink = uplink or Uplink()
        # client memory: error-feedback residuals, per client id (files under spill_dir if set)
        self.feedback: MutableMapping[int, ErrorFeedback] = (
            {}
            if spill_dir is None
            else SpilledFeedback(root=spill_dir, pipeline=self.uplink.pipeline)
        )
        # and, for a mask-known downlink, the last global masks each client received
        self.cache_masks = cache_masks
        self.masks_held: dict[int, dict[str, PackedMask]] = {}  # a bit an entry
        # simulated attackers (evaluation only): their hooks poison data, model or payload
        self.adversary = adversary
        # local training runs here (fedprune.device); off the CPU in a copy of the model there
        self.device = torch.device(device)
        self._train_in_copy = self.device.type != "cpu"
        self._trainer: nn.Module | None = None
        # the last downlink decoded without client state, with what it decoded to: a round's
        # clients share one downlink object, so each worker decodes it once a round
        self._decoded: tuple[bytes, dict[str, Tensor], dict[str, Tensor]] | None = None
        # pruned Linear layers it selects train through CSR kernels (measured on CPUs only)
        self.sparse = sparse if self.device.type == "cpu" else None

    @property
    def keeps_memory(self) -> bool:
        """Whether clients remember anything between rounds (so must run where it lives)."""
        return self.uplink.error_feedback or self.cache_masks

    @property
    def spilled(self) -> bool:
        """Whether residuals live in files (``spill_dir``) that every process reads alike."""
        return isinstance(self.feedback, SpilledFeedback)

    def client_ids(self) -> list[int]:
        """The clients that remember something, in order."""
        return sorted(set(self.feedback) | set(self.masks_held))

    def client_memory(self, cid: int, *, feedback: bool = True) -> dict[str, Any]:
        """One client's part of ``state_dict()``: ``{"feedback": ..., "masks": ...}``, each key
        where the client holds some; ``feedback=False`` leaves the residual out."""
        out: dict[str, Any] = {}
        if feedback and cid in self.feedback:
            out["feedback"] = self.feedback[cid].state_dict()
        if cid in self.masks_held:
            out["masks"] = {n: m.unpack() for n, m in self.masks_held[cid].items()}
        return out

    def forget_client(self, cid: int, *, files: bool = True) -> None:
        """Drop one client's memory (``files=False`` leaves a spilled residual's file)."""
        self.masks_held.pop(cid, None)
        if files or not self.spilled:
            self.feedback.pop(cid, None)

    def set_client_memory(self, cid: int, memory: Mapping[str, Any]) -> None:
        """Take one client's memory from ``client_memory`` (another process's, say)."""
        if "feedback" in memory:
            self.feedback[cid] = self._residual(memory["feedback"])
        if "masks" in memory:
            self.masks_held[cid] = {n: PackedMask.pack(m) for n, m in memory["masks"].items()}

    def _residual(self, saved: Mapping[str, Any]) -> ErrorFeedback:
        ef = ErrorFeedback(pipeline=self.uplink.pipeline)
        ef.load_state_dict(saved)
        return ef

    def state_dict(self) -> dict[str, Any]:
        """Client memory that outlives a round: ``{"feedback": {cid: residual state}, "masks":
        {cid: {name: mask}}}``.

        The model is not state: each job reloads it from the downlink (and its structure too).
        """
        state: dict[str, Any] = {"feedback": {}, "masks": {}}
        for cid in self.client_ids():
            for key, value in self.client_memory(cid).items():
                state[key][str(cid)] = value
        return state

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore ``state_dict()``; residuals must belong to this uplink's pipeline (checked
        for all of them before anything changes)."""
        feedback = {int(cid): self._residual(saved) for cid, saved in state["feedback"].items()}
        self.feedback.clear()
        self.feedback.update(feedback)
        # checkpoints from before the mask cache hold no "masks"
        self.masks_held = {
            int(c): {n: PackedMask.pack(m) for n, m in held.items()}
            for c, held in state.get("masks", {}).items()
        }

    def __call__(self, job: ClientJob) -> ClientReply:
        attack = self.adversary.attack_of(job.cid) if self.adversary else HONEST
        agen = attack_generator(seed=self.seed, rnd=job.rnd, cid=job.cid)
        data = self.data[job.cid]
        x, y = attack.poison_data(x=data.x, y=data.y, generator=agen)
        data = replace(data, x=x, y=y)
        self._follow_structure(job.downlink, example_input=data.x[:1])
        params, masks = self._decode_downlink(job)
        load_sent_state(self.model, params)
        gen = torch.Generator().manual_seed(client_seed(seed=self.seed, rnd=job.rnd, cid=job.cid))
        order = job.instruction.prune
        needs = CRITERIA.get(order.criterion).needs if order is not None else Need.NOTHING
        grads = None
        if needs is Need.INIT_GRADIENTS:
            grads = self._init_gradients(data=data, names=list(masks), job=job, generator=gen)
        tracked = list(masks) if needs is Need.TRAIN_GRADIENTS else []
        if job.instruction.importance:  # PruneFL scores every trainable entry, pruned ones too
            tracked = [n for n, p in self.model.named_parameters() if p.requires_grad]
        running: GradientMean | None = None
        if job.instruction.silo_workers > 1:
            if tracked:
                raise ValueError(
                    "accumulating training gradients (criterion taylor, PruneFL's importance) "
                    "needs silo_workers = 1"
                )
            metrics = train_data_parallel(
                model=self.model,
                x=data.x,
                y=data.y,
                masks=masks,
                instruction=job.instruction,
                generator=gen,
                workers=job.instruction.silo_workers,
            )
        else:
            metrics, running = self._train(
                data=data, masks=masks, job=job, generator=gen, tracked=tracked
            )
        if job.instruction.regrow > 0:
            masks = self._regrow(data=data, masks=masks, job=job, generator=gen)
        state = {k: v.detach() for k, v in self.model.state_dict().items() if v.is_floating_point()}
        if order is not None:
            if data.x_val is not None and data.y_val is not None and len(data.y_val):
                # what pruning costs this client, for performance-feedback adaptive pruning
                metrics["val_accuracy_unpruned"] = evaluate(
                    model=self.model, x=data.x_val, y=data.y_val
                )[0]
            if running is not None and needs is Need.TRAIN_GRADIENTS:
                grads = {n: g for n, g in running.mean().items() if n in masks}
            if getattr(PRUNERS.get(order.pruner), "needs_data", False):
                masks = self._prune_on_data(state=state, masks=masks, order=order, data=data)
            else:
                masks = self._prune(
                    state=state,
                    received=params,
                    masks=masks,
                    order=order,
                    grads=grads,
                    generator=gen,
                )
        if data.x_val is not None and data.y_val is not None and len(data.y_val):
            # the model as uploaded: trained, then pruned (the state tensors are its own)
            metrics["val_accuracy"] = evaluate(model=self.model, x=data.x_val, y=data.y_val)[0]
        wanted = job.instruction.score_channels
        if job.instruction.dp_clip > 0:
            state = privatize(
                trained=state,
                received=params,
                masks=masks,
                clip=job.instruction.dp_clip,
                noise_multiplier=job.instruction.dp_noise,
                generator=torch.Generator().manual_seed(
                    client_seed(seed=self.seed, rnd=job.rnd, cid=job.cid) ^ 0xD1FF
                ),
            )
        state, masks = attack.poison_model(
            state=state, received=params, masks=masks, generator=agen
        )
        payload = self._encode(job=job, received=params, state=state, masks=masks)
        return ClientReply(
            cid=job.cid,
            payload=attack.poison_payload(payload=payload, state=state, masks=masks),
            num_examples=int(data.x.shape[0]),
            metrics=metrics,
            channel_scores=self._channel_scores(wanted, data, job=job) if wanted else b"",
            importance=(
                encode_importance(running, examples=int(data.x.shape[0]))
                if job.instruction.importance and running is not None
                else b""
            ),
        )

    def _train(
        self,
        *,
        data: ClientData,
        masks: dict[str, Tensor],
        job: ClientJob,
        generator: torch.Generator,
        tracked: list[str],
    ) -> tuple[dict[str, float], GradientMean | None]:
        """``train_local`` on ``self.device``, collecting the gradients of ``tracked`` if any.

        On the CPU it trains ``self.model`` itself. Elsewhere it trains a copy of the model kept
        there (made again when the structure changes), loads the trained state back into
        ``self.model`` and brings the gradient sums back, so what follows training (pruning,
        privacy, encoding, all of it bandwidth- not compute-bound) runs on the CPU unchanged.
        The batches are drawn on the CPU generator either way.
        """
        model = self._device_model() if self._train_in_copy else self.model
        if model is not self.model:
            model.load_state_dict(self.model.state_dict())
        named = dict(model.named_parameters())
        running = GradientMean(params={n: named[n] for n in tracked}) if tracked else None
        dev = self.device
        metrics = train_local(
            model=model,
            x=data.x.to(dev),
            y=data.y.to(dev),
            masks={n: m.to(dev) for n, m in masks.items()},
            instruction=job.instruction,
            generator=generator,
            gradients=running,
            sparse=self.sparse,
        )
        if model is not self.model:
            self.model.load_state_dict(model.state_dict())
            if running is not None:
                running.finish(device=torch.device("cpu"))
        return metrics, running

    def _device_model(self) -> nn.Module:
        if self._trainer is None:
            self._trainer = copy.deepcopy(self.model).to(self.device)
        return self._trainer

    def _decode_downlink(self, job: ClientJob) -> tuple[dict[str, Tensor], dict[str, Tensor]]:
        """The received model and masks; a mask-known downlink is read with the masks this
        client cached last time, and a missing or stale cache raises ``CodecError``.

        Without cached masks the result depends on the bytes alone, so the same downlink
        object as the last job's is not decoded again (~1.5 ms a client of the FedAvg CNN:
        CRC, copies, finiteness): its tensors are shared, and nothing here writes to them.
        """
        if not self.cache_masks:
            last = self._decoded
            if last is None or last[0] is not job.downlink:
                params, masks = self._unpack(job, held=None)
                last = self._decoded = (job.downlink, params, masks)
            return dict(last[1]), dict(last[2])
        packed = self.masks_held.get(job.cid)
        held = None
        if packed is not None:  # masks of a shape since pruned away cannot serve (decode refuses)
            ref = self.reference
            held = {
                n: m.unpack()
                for n, m in packed.items()
                if n in ref and m.shape == tuple(ref[n].shape)
            }
        params, masks = self._unpack(job, held=held)
        self.masks_held[job.cid] = {n: PackedMask.pack(m) for n, m in masks.items()}
        return params, masks

    def _unpack(
        self, job: ClientJob, *, held: dict[str, Tensor] | None
    ) -> tuple[dict[str, Tensor], dict[str, Tensor]]:
        try:
            return unpack_model(
                payload=job.downlink,
                reference=self.reference,
                prunable=self.prunable,
                known_masks=held,
            )
        except CodecError as exc:
            cached = "no cached masks" if held is None else "cached masks"
            raise CodecError(
                f"client {job.cid} ({cached}) cannot read its downlink: {exc}"
            ) from None

    def _follow_structure(self, downlink: bytes, *, example_input: Tensor) -> None:
        """Shrink the client's model when the server sends a structurally pruned one.

        Only channel counts matter here, as the downlink's values then overwrite every tensor;
        ``conform`` raises ``ValueError`` for shapes no pruning of this model can reach.
        """
        shapes = peek_shapes(downlink, max_elements=self.max_elements)
        if all(
            n in self.reference and tuple(self.reference[n].shape) == s for n, s in shapes.items()
        ):
            return
        grows = any(
            n in self.reference
            and len(s) == self.reference[n].dim()
            and any(a > b for a, b in zip(s, self.reference[n].shape, strict=True))
            for n, s in shapes.items()
        )
        if grows:
            self.model = copy.deepcopy(self.pristine)
        conform(model=self.model, example_input=example_input, shapes=shapes)
        apply_layout(self.model, channels_last=self.channels_last)
        self.reference = sent_state(self.model)
        self._trainer = None  # the device copy has the old structure

    def _channel_scores(self, criterion: str, data: ClientData, *, job: ClientJob) -> bytes:
        """Per-channel importance of the trained model on local data, fp32-encoded for upload.

        ``taylor`` takes the loss gradient over up to 256 local examples, in eval mode so
        BatchNorm statistics of the uploaded model are not touched.
        """
        grads = None
        if criterion == "taylor":
            names = [n for n, p in self.model.named_parameters() if p.requires_grad]
            grads = loss_gradients(
                model=self.model,
                x=data.x[:256],
                y=data.y[:256],
                names=names,
                batch_size=256,
                batches=1,
                generator=torch.Generator().manual_seed(0),
            )
        scores = channel_scores(
            model=self.model,
            example_input=data.x[:1],
            criterion=criterion,
            grads=grads,
            seed=client_seed(seed=self.seed, rnd=job.rnd, cid=job.cid),
        )
        return encode_pipeline(tensors=scores, masks={}, pipeline=FP32)

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
        # the masks the model now holds: the global ones (which a mask-known server holds too)
        # or, with client-side pruning, the client's own, which travel so the server can zero
        # what it pruned; top-k (refused with client pruning) selects within them
        sent_masks = masks_to_send(masks=masks, pipeline=up.pipeline)
        if up.error_feedback:
            ef = self.feedback.get(job.cid) or ErrorFeedback(pipeline=up.pipeline)
            payload = ef.step(update=delta, masks=sent_masks, rng=rng).payload
            ef.drop_outside(masks=sent_masks)
            self.feedback[job.cid] = ef  # written back: a spilled store hands out copies
            return payload
        return encode_pipeline(tensors=delta, masks=sent_masks, pipeline=up.pipeline, rng=rng)

    def _regrow(
        self,
        *,
        data: ClientData,
        masks: dict[str, Tensor],
        job: ClientJob,
        generator: torch.Generator,
    ) -> dict[str, Tensor]:
        """FedDST's readjustment of the trained model: swap ``regrow`` of each tensor's kept
        weights (smallest out, largest dense-gradient pruned ones in, starting at 0), then train
        ``regrow_epochs`` more under the new mask so grown weights learn before upload."""
        instr = job.instruction
        names = list(masks)
        grads = loss_gradients(
            model=self.model,
            x=data.x,
            y=data.y,
            names=names,
            batch_size=instr.batch_size,
            batches=INIT_BATCHES,
            generator=generator,
        )
        state = self.model.state_dict()
        new = regrow_masks(
            masks=masks, weights={n: state[n] for n in names}, grads=grads, fraction=instr.regrow
        )
        with torch.no_grad():
            apply_masks({n: state[n] for n in names}, new)
        if instr.regrow_epochs:
            train_local(
                model=self.model,
                x=data.x,
                y=data.y,
                masks=new,
                instruction=replace(instr, epochs=instr.regrow_epochs, regrow=0.0),
                generator=generator,
            )
        return new

    def _init_gradients(
        self, *, data: ClientData, names: list[str], job: ClientJob, generator: torch.Generator
    ) -> dict[str, Tensor]:
        """Loss gradient at the received weights over the first batches training will use."""
        return loss_gradients(
            model=self.model,
            x=data.x,
            y=data.y,
            names=names,
            batch_size=job.instruction.batch_size,
            batches=INIT_BATCHES,
            generator=torch.Generator().set_state(generator.get_state()),  # a copy: no draws
        )

    def _prune_on_data(
        self,
        *,
        state: dict[str, Tensor],
        masks: dict[str, Tensor],
        order: PruneOrder,
        data: ClientData,
    ) -> dict[str, Tensor]:
        """A pruner that measures the trained model on local data: the validation split when
        the client has one, else its training data (an optimistic but available estimate)."""
        held_out = data.x_val is not None and data.y_val is not None and len(data.y_val) > 0
        x, y = (data.x_val, data.y_val) if held_out else (data.x, data.y)
        assert x is not None and y is not None
        pruner = make_pruner(name=order.pruner, threshold=order.threshold)
        new = pruner.masks_from_data(  # type: ignore[attr-defined]
            model=self.model, x=x, y=y, masks=masks, target=order.target, criterion=order.criterion
        )
        apply_masks(state, new)
        return dict(new)

    @staticmethod
    def _prune(
        *,
        state: dict[str, Tensor],
        received: dict[str, Tensor],
        masks: dict[str, Tensor],
        order: PruneOrder,
        grads: dict[str, Tensor] | None,
        generator: torch.Generator,
    ) -> dict[str, Tensor]:
        pruner = make_pruner(name=order.pruner, threshold=order.threshold)
        criterion = CRITERIA.get(order.criterion)()
        # a gradient taken before training scores the weights it was taken at
        scored = received if criterion.needs is Need.INIT_GRADIENTS else state
        scores = criterion(params={n: scored[n] for n in masks}, grads=grads, generator=generator)
        new = pruner.compute_masks(scores=scores, masks=masks, target=order.target)
        apply_masks(state, new)
        return new
