"""Builds every component from an ``ExperimentConfig`` and runs the federated rounds."""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from fedprune.adversarial import robust_accuracy
from fedprune.attacks import make_adversary
from fedprune.build import adaptive_offsets, build_strategy
from fedprune.checkpoint import (
    MODEL_FILE,
    CheckpointError,
    ModelInfo,
    RunCheckpoints,
    load_rng_state,
    rng_state,
    save_model,
)
from fedprune.client import ClientData, ClientWorker, Uplink
from fedprune.codec import parse_pipeline
from fedprune.config import ExperimentConfig
from fedprune.data import (
    ArrayDataset,
    load_dataset,
    make_partitioner,
    split_fold,
    split_validation,
)
from fedprune.device import resolve_device
from fedprune.downlink import DownlinkEncoder
from fedprune.edge import EdgeModel, round_seconds
from fedprune.engine import ENGINES
from fedprune.engine.base import drain
from fedprune.finite import all_finite
from fedprune.ledger import Ledger
from fedprune.messages import (
    ClientJob,
    ClientReply,
    GlobalModel,
    Update,
    uplink_bytes,
)
from fedprune.metrics import (
    compression_ratio,
    global_sparsity,
    layer_sparsity,
    parameter_counts,
)
from fedprune.models import build_model, prunable_names
from fedprune.models.keras_models import KerasModule
from fedprune.models.layout import apply_layout, wants_channels_last
from fedprune.payload import (
    dense_size,
    load_sent_state,
    pack_model,
    sent_state,
    unpack_delta,
    unpack_masked_delta,
    unpack_model,
)
from fedprune.profile import count_macs
from fedprune.prune.mask import full_masks
from fedprune.prune.structured import channel_groups, conform
from fedprune.results import RunWriter, read_rounds
from fedprune.secagg.federation import from_config as secure_aggregation
from fedprune.sparse_linear import AUTO
from fedprune.strategy.base import privacy_spent
from fedprune.strategy.fold import Fold
from fedprune.training import evaluate
from fedprune.transfer import load_pretrained
from fedprune.validation import check_update, decode_scores

log = logging.getLogger(__name__)

# Partitioner parameters each partitioner takes from the data section.
PARTITION_PARAMS: dict[str, Callable[[Any], dict[str, Any]]] = {
    "iid": lambda d: {},
    "dirichlet": lambda d: {"alpha": d.alpha},
    "shards": lambda d: {"classes_per_client": d.classes_per_client},
    "natural": lambda d: {},
}


def _tensors(ds: ArrayDataset) -> tuple[torch.Tensor, torch.Tensor]:
    return torch.from_numpy(ds.x), torch.from_numpy(ds.y)


def _check_inputs_fit(config: ExperimentConfig, train: ArrayDataset) -> None:
    """Refuse what perturbs input values when the inputs are token ids, not features."""
    if train.vocab_size is None:
        return
    if config.train.adversarial != "none":
        raise ValueError(
            f"train.adversarial = {config.train.adversarial!r} perturbs input features; dataset "
            f"{train.name!r} has token-id inputs, which it cannot perturb"
        )
    if config.attack.kind == "backdoor":
        raise ValueError(
            f"attack.kind = 'backdoor' stamps a pixel trigger; dataset {train.name!r} has "
            "token-id inputs"
        )


@dataclass
class RunResult:
    """What a finished run leaves in memory (the same figures as ``summary.json``)."""

    summary: dict[str, Any]
    rounds: list[dict[str, Any]] = field(default_factory=list)
    model: GlobalModel | None = None


class Experiment:
    """One federated run: data, partition, model, strategy, engine, ledger."""

    def __init__(self, *, config: ExperimentConfig) -> None:
        self.cfg = config
        if config.engine.threads:
            torch.set_num_threads(config.engine.threads)
        split = load_dataset(
            name=config.data.dataset, root=config.data.root, options=config.data.options
        )
        _check_inputs_fit(config, split.train)
        self.test_x, self.test_y = _tensors(split.test)
        rng = np.random.default_rng(config.seed)
        d = config.data
        parts = make_partitioner(name=d.partition, **PARTITION_PARAMS[d.partition](d)).partition(
            labels=split.train.y,
            num_clients=d.num_clients,
            rng=rng,
            **({"groups": split.train.groups} if d.partition == "natural" else {}),
        )
        self.client_data = [self._client_data(split.train, idx, rng) for idx in parts]
        torch.manual_seed(config.seed)
        self.model_info = ModelInfo(
            name=config.model.name,
            input_shape=tuple(split.train.x.shape[1:]),
            num_classes=split.train.num_classes,
            vocab_size=split.train.vocab_size,
        )
        self.model = build_model(
            name=config.model.name,
            input_shape=self.model_info.input_shape,
            num_classes=self.model_info.num_classes,
            vocab_size=self.model_info.vocab_size,
        )
        self.init_fresh = (
            None
            if config.model.init_from is None
            else load_pretrained(model=self.model, path=config.model.init_from)
        )
        if config.structured.mode != "none" and isinstance(self.model, KerasModule):
            raise ValueError(
                f"structured.mode = {config.structured.mode!r} is not supported for the Keras "
                f"model {config.model.name!r}: Torch-Pruning cannot trace Keras layers; use "
                "unstructured pruning (pruning.mode) or a PyTorch model"
            )
        self.channels_last = wants_channels_last(self.model, choice=config.engine.memory_format)
        apply_layout(self.model, channels_last=self.channels_last)
        self.prunable = prunable_names(self.model)
        self.example_input = torch.zeros_like(torch.from_numpy(split.train.x[:1]))
        sizes = [int(d.x.shape[0]) for d in self.client_data]
        self.strategy = build_strategy(
            config,
            model=self.model,
            example_input=self.example_input,
            offsets=adaptive_offsets(config, sizes=sizes),
            sizes=sizes,
        )
        self.engine = ENGINES.get(config.engine.name).from_config(config)
        self.edge = (
            EdgeModel(config=config.edge, num_clients=config.data.num_clients, seed=config.seed)
            if config.edge.enabled
            else None
        )
        self.uplink = Uplink(
            pipeline=parse_pipeline(config.codec.uplink),
            delta=config.codec.delta,
            error_feedback=config.codec.error_feedback,
        )
        a = config.attack
        self.adversary = make_adversary(
            kind=a.kind,
            fraction=a.fraction,
            options=a.model_dump(exclude={"kind", "fraction"}),
            num_clients=d.num_clients,
            num_classes=split.train.num_classes,
            seed=config.seed,
        )
        self.worker = ClientWorker(
            model=copy.deepcopy(self.model),  # the clients' own copy, reloaded from each downlink
            prunable=self.prunable,
            data=self.client_data,
            seed=config.seed,
            uplink=self.uplink,
            adversary=self.adversary,
            cache_masks=parse_pipeline(config.codec.downlink).mask == "known",
            channels_last=self.channels_last,
            spill_dir=config.engine.spill_dir,
            device=resolve_device(config.engine.device),
            sparse=AUTO if config.engine.sparse_kernels == "auto" else None,
        )
        self.downlink = DownlinkEncoder(pipeline=parse_pipeline(config.codec.downlink))
        self.ledger = Ledger()
        self.dense_macs = count_macs(model=self.model, example_input=self.example_input)
        self.macs = self.dense_macs
        self._groups: tuple[tuple[Any, ...], dict[str, int]] | None = None
        self.dense_numel = sum(t.numel() for t in sent_state(self.model).values())
        # the dense model before any structural step: what compression is measured against
        self.dense_bytes = dense_size(sent_state(self.model))
        # with secagg the engine runs the key rounds and clients upload masked vectors only
        self.secure = secure_aggregation(
            config,
            engine=self.engine,
            ledger=self.ledger,
            prunable=self.prunable,
            max_elements=self.dense_numel + 1,
        )
        self.engine = self.secure or self.engine
        self.rejected = self.failed = 0
        self.round_client_sparsity: dict[str, float] = {}
        # this round's refused updates and, when it did not aggregate, why (for its row)
        self.round_rejected: list[dict[str, Any]] = []
        # the swap fraction each client of the round was asked for (dynamic sparse training)
        self.round_regrow: dict[int, float] = {}
        self.round_base: dict[str, torch.Tensor] = {}
        self.round_views: dict[int, GlobalModel] = {}
        self.skipped: str | None = None

    def _client_data(
        self, train: ArrayDataset, idx: np.ndarray, rng: np.random.Generator
    ) -> ClientData:
        d = self.cfg.data
        if d.cv_folds is not None:
            fit, val = split_fold(indices=idx, folds=d.cv_folds, fold=d.cv_fold, rng=rng)
        elif d.val_fraction:
            fit, val = split_validation(indices=idx, fraction=d.val_fraction, rng=rng)
        else:
            return ClientData(*_tensors(train.subset(idx)))
        x_val, y_val = _tensors(train.subset(val))
        return ClientData(*_tensors(train.subset(fit)), x_val=x_val, y_val=y_val)

    def sample_clients(self, rnd: int) -> list[int]:
        """Clients taking part in round ``rnd``: seeded by (seed, round), without replacement."""
        f, n = self.cfg.federation, self.cfg.data.num_clients
        if f.clients_per_round is not None:
            k = f.clients_per_round
        else:
            k = max(1, round((f.fraction or 0.0) * n))
        rng = np.random.default_rng([self.cfg.seed, rnd])
        if self.edge is None:
            return sorted(int(c) for c in rng.choice(n, size=k, replace=False))
        online = self.edge.online(rnd)
        if not online:
            return []
        return sorted(int(c) for c in rng.choice(online, size=min(k, len(online)), replace=False))

    def state_dict(self) -> dict[str, Any]:
        """What a run carries from round to round besides the global model: strategy state,
        client memory, the ledger, the counters and the global random generators."""
        self.engine.sync(self.worker)  # client memory held by worker processes
        return {
            "strategy": self.strategy.state_dict(),
            "clients": self.worker.state_dict(),
            "downlink": self.downlink.state_dict(),
            "ledger": self.ledger.state_dict(),
            "rejected": self.rejected,
            "failed": self.failed,
            "rng": rng_state(),
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore ``state_dict()`` into this freshly built experiment."""
        self.engine.close()  # worker processes are forked again, from the restored memory
        self.strategy.load_state_dict(state["strategy"])
        self.worker.load_state_dict(state["clients"])
        if "downlink" in state:  # absent from checkpoints before per-client downlinks
            self.downlink.load_state_dict(state["downlink"])
        self.ledger.load_state_dict(state["ledger"])
        self.rejected, self.failed = int(state["rejected"]), int(state["failed"])
        load_rng_state(state["rng"])

    def run(
        self,
        *,
        out: Path | None = None,
        on_round: Callable[[dict[str, Any]], None] | None = None,
        resume: bool = False,
        key: bytes | None = None,
    ) -> RunResult:
        """Run every round; write the run directory when ``out`` is given.

        There a checkpoint is taken every ``checkpoint.every`` rounds and the final model goes
        to ``model.safetensors``, both sealed with ``key`` (AES-256) when given. ``resume``
        continues the run in ``out`` from its newest checkpoint (from round 1 if none), with
        the same result as a run never stopped.
        """
        cfg = self.cfg
        config = cfg.model_dump(mode="json")
        state = sent_state(self.model)
        global_model = GlobalModel(params=state, masks=full_masks(state, self.prunable))
        result = RunResult(summary={})
        checkpoints = None
        if out is not None:
            every, keep = cfg.checkpoint.every, cfg.checkpoint.keep
            checkpoints = RunCheckpoints(
                root=out / "checkpoints", every=every, keep=keep, config=config, key=key
            )
        first = 1
        if resume:
            if out is None or checkpoints is None:
                raise ValueError("resume needs the run directory")
            if (out / "summary.json").exists():
                raise CheckpointError(f"{out} holds a finished run (it has summary.json)")
            if (resumed := checkpoints.latest()) is not None:
                self.load_state_dict(resumed.state)
                global_model, first = resumed.model, resumed.rnd + 1
                self._follow_structure(global_model)
            try:
                result.rounds = read_rounds(out / "rounds.jsonl", upto=first - 1)
            except (OSError, ValueError) as exc:
                raise CheckpointError(f"cannot resume from {out}: {exc}") from None
        writer = RunWriter(out=out, config=config, rows=result.rounds) if out else None
        started = time.perf_counter()
        try:
            for rnd in range(first, cfg.federation.rounds + 1):
                t0 = time.perf_counter()
                clients = self.sample_clients(rnd)
                plan = self.strategy.configure_round(rnd=rnd, model=global_model, clients=clients)
                downlinks = self._downlinks(rnd, global_model, clients)
                jobs = [
                    ClientJob(rnd=rnd, cid=c, instruction=plan[c], downlink=downlinks[c])
                    for c in clients
                ]
                self.round_base = self._received(global_model)
                for job in jobs:
                    self.ledger.record(rnd=rnd, cid=job.cid, direction="down", payload=job.downlink)
                self.round_regrow = {c: plan[c].regrow for c in clients}
                replies, sim = self._replies(rnd, jobs)
                fold = None if self.secure else self.strategy.stream(rnd=rnd, model=global_model)
                updates = self._collect(rnd, replies, global_model, fold)
                wire = self.engine.round_metrics()
                global_model = self._aggregate(rnd, global_model, updates, fold)
                row = self._round_row(rnd, global_model, updates, t0)
                before = result.rounds[-1].get("sim_seconds_total") if result.rounds else 0.0
                row["sim_seconds"] = sim
                row.update(wire)
                row["sim_seconds_total"] = None if sim is None else (before or 0.0) + sim
                result.rounds.append(row)
                if writer:
                    writer.round(row)
                    writer.masks(
                        rnd=rnd, masks=global_model.masks, last=rnd == cfg.federation.rounds
                    )
                if checkpoints is not None and checkpoints.due(rnd):
                    checkpoints.save(rnd=rnd, model=global_model, state=self.state_dict())
                if on_round:
                    on_round(row)
            result.model = global_model
            result.summary = self._summary(global_model, result.rounds, started)
            if out is not None:  # before summary.json, which marks the run finished
                save_model(out / MODEL_FILE, model=global_model, info=self.model_info, key=key)
            if writer:
                writer.summary(result.summary)
        finally:
            if writer:
                writer.close()
            self.engine.close()
        return result

    def _replies(
        self, rnd: int, jobs: list[ClientJob]
    ) -> tuple[Iterator[ClientReply], float | None]:
        """The round's replies as the engine streams them, decoded and folded while later
        clients still train; with edge simulation (which needs every upload's size first) or
        secure aggregation (which sums them all), after the whole round has run."""
        if self.edge is None and self.secure is None:
            return self.engine.stream(jobs=jobs, work=self.worker), None
        replies, sim = self._edge_round(rnd, jobs, self.engine.run(jobs=jobs, work=self.worker))
        return drain(replies), sim

    def _edge_round(
        self, rnd: int, jobs: list[ClientJob], replies: list[ClientReply]
    ) -> tuple[list[ClientReply], float | None]:
        """With edge simulation: each client's simulated time; dropouts and deadline misses
        become failed replies (their uploads never arrive, so they are not counted)."""
        if self.edge is None:
            return replies, None
        by_cid = {r.cid: r for r in replies}
        outcomes = self.edge.outcomes(
            rnd=rnd,
            clients=[j.cid for j in jobs],
            down_bytes=[len(j.downlink) for j in jobs],
            up_bytes=[uplink_bytes(by_cid[j.cid]) for j in jobs],
            examples=[int(self.client_data[j.cid].x.shape[0]) for j in jobs],
            epochs=max((j.instruction.epochs for j in jobs), default=1),
            macs_per_example=self.macs,
        )
        kept = [
            r
            if outcomes[r.cid].failure is None
            else ClientReply(
                cid=r.cid, payload=b"", num_examples=r.num_examples, error=outcomes[r.cid].failure
            )
            for r in replies
        ]
        return kept, round_seconds(outcomes=outcomes, deadline=self.cfg.edge.deadline)

    def _downlinks(self, rnd: int, model: GlobalModel, clients: list[int]) -> dict[int, bytes]:
        """Each client's downlink payload, of the model the strategy gives it (the global model,
        or a submodel for HeteroFL): one encoding per distinct view."""
        self.round_views = {c: self.strategy.client_view(cid=c, model=model) for c in clients}
        groups: dict[int, list[int]] = {}
        for c in clients:
            groups.setdefault(id(self.round_views[c]), []).append(c)
        out: dict[int, bytes] = {}
        for members in groups.values():
            out |= self.downlink.payloads(
                model=self.round_views[members[0]],
                clients=members,
                seed=[self.cfg.seed, rnd, 2**31],
            )
        return out

    def _received(self, model: GlobalModel) -> dict[str, torch.Tensor]:
        """The weights the clients decoded this round, which a delta upload is relative to:
        the global model itself unless the downlink is lossy (fp16, int8...)."""
        full = self.downlink.full
        if not self.uplink.delta or (full.values.kind == "fp32" and full.topk is None):
            return model.params
        params, _ = unpack_model(
            payload=self.downlink.last_full, reference=model.params, prunable=self.prunable
        )
        return params

    def _decode_update(
        self, payload: bytes, model: GlobalModel
    ) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
        up = self.uplink
        known = model.masks if up.pipeline.mask == "known" else None
        if up.delta and self.cfg.pruning.mode == "client":
            # the client's own mask travels with its delta: the server does not know it
            return unpack_masked_delta(
                payload=payload, base=self.round_base, prunable=self.prunable
            )
        if up.delta:
            params = unpack_delta(
                payload=payload, base=self.round_base, masks=model.masks, known_masks=known
            )
            return params, {n: m.clone() for n, m in model.masks.items()}
        return unpack_model(
            payload=payload, reference=model.params, prunable=self.prunable, known_masks=known
        )

    def _collect(
        self,
        rnd: int,
        replies: Iterator[ClientReply],
        model: GlobalModel,
        fold: Fold | None = None,
    ) -> list[Update]:
        """Record every upload in the ledger, then decode and validate it (``check_update``);
        bad ones are dropped and listed in ``round_rejected`` with their reason. Each payload
        is dropped once decoded. With a ``fold`` (streaming aggregation) each valid update is
        folded in at once and returned without its tensors, so the round never holds them
        all."""
        updates: list[Update] = []
        self.round_rejected = []
        self.round_client_sparsity = {}
        if self.secure is not None:  # the server learns the secure sum only: nothing to check
            whole = list(replies)
            self.failed += sum(r.error is not None for r in whole)
            for reply in whole:
                if reply.error is not None:
                    self.downlink.forget(reply.cid)
            updates, self.round_rejected = self.secure.collect(rnd=rnd, replies=whole, model=model)
            self.rejected += len(self.round_rejected)
            self.round_client_sparsity = {str(u.cid): global_sparsity(u.masks) for u in updates}
            return updates
        for reply in replies:
            if reply.error is not None:
                self.failed += 1
                self.downlink.forget(reply.cid)
                log.warning("round %d: client %d failed: %s", rnd, reply.cid, reply.error)
                continue
            self.ledger.record(rnd=rnd, cid=reply.cid, direction="up", payload=reply.payload)
            for side in (reply.channel_scores, reply.importance):
                if side:
                    self.ledger.record(rnd=rnd, cid=reply.cid, direction="up", payload=side)
            view = self.round_views.get(reply.cid, model)  # what this client was sent
            try:
                params, masks = self._decode_update(reply.payload, view)
                check_update(
                    params=params,
                    masks=masks,
                    model=view,
                    regrow=self.round_regrow.get(reply.cid, 0.0),
                    max_norm=self.cfg.federation.max_update_norm,
                )
                scores = self._decode_channel_scores(reply.channel_scores, model)
                importance = self._decode_importance(reply.importance, view)
            except ValueError as exc:
                self.rejected += 1
                self.round_rejected.append({"cid": reply.cid, "reason": str(exc)})
                log.warning("round %d: update of client %d rejected: %s", rnd, reply.cid, exc)
                continue
            update = Update(
                cid=reply.cid,
                num_examples=reply.num_examples,
                params=params,
                masks=masks,
                metrics=reply.metrics,
                channel_scores=scores,
                importance=importance,
            )
            self.round_client_sparsity[str(reply.cid)] = global_sparsity(masks)
            if fold is not None:
                fold.add(update)
                update = replace(update, params={}, masks={})
            updates.append(update)
        return updates

    def _aggregate(
        self, rnd: int, model: GlobalModel, updates: list[Update], fold: Fold | None = None
    ) -> GlobalModel:
        """The next global model; or ``model`` itself, the round skipped and ``skipped`` saying
        why, when fewer than ``federation.min_updates`` valid updates remain or the aggregate is
        not finite (a strategy's own state may then have moved: its step is not undone)."""
        need = self.cfg.federation.min_updates
        self.skipped = None
        if len(updates) < need:
            self.skipped = f"{len(updates)} valid updates, below federation.min_updates = {need}"
        else:
            new = (
                fold.finish()
                if fold is not None
                else self.strategy.aggregate(rnd=rnd, model=model, updates=updates)
            )
            bad = [n for n, t in new.params.items() if not all_finite(t)]
            if not bad:
                return new
            self.skipped = f"the aggregate has NaN or Inf in {bad[:3]}"
        log.warning("round %d skipped, global model unchanged: %s", rnd, self.skipped)
        return model

    def _decode_importance(
        self, payload: bytes, view: GlobalModel
    ) -> dict[str, torch.Tensor] | None:
        """Per-entry importance a client sent (PruneFL): one finite, non-negative score per
        entry of every trainable parameter of the model it was sent, or ``PayloadError``."""
        if not payload:
            return None
        names = [n for n, p in self.model.named_parameters() if p.requires_grad]
        reference = {n: view.params[n] for n in names}
        return decode_scores(payload=payload, reference=reference, what="importance")

    def _decode_channel_scores(
        self, payload: bytes, model: GlobalModel
    ) -> dict[str, torch.Tensor] | None:
        """Per-channel importance a client sent: one finite, non-negative score per channel of
        each group of the current structure, or ``PayloadError``."""
        if not payload:
            return None
        self._follow_structure(model)
        shapes = tuple((n, tuple(t.shape)) for n, t in model.params.items())
        if self._groups is None or self._groups[0] != shapes:
            # a dependency-graph build per structure, not per client reply
            groups = channel_groups(model=self.model, example_input=self.example_input)
            self._groups = (shapes, groups)
        groups = self._groups[1]
        reference = {g: torch.zeros(n) for g, n in groups.items()}
        return decode_scores(payload=payload, reference=reference, what="channel scores")

    def _evaluate(self, model: GlobalModel) -> tuple[float, float]:
        self._follow_structure(model)
        load_sent_state(self.model, model.params)
        return evaluate(model=self.model, x=self.test_x, y=self.test_y)

    def _robust_accuracy(self) -> float | None:
        """With adversarial training on: accuracy of the current evaluation model on the
        training attack's examples of the first 500 test images; ``None`` otherwise."""
        t = self.cfg.train
        if t.adversarial == "none":
            return None
        n = min(500, len(self.test_y))
        return robust_accuracy(
            model=self.model,
            x=self.test_x[:n],
            y=self.test_y[:n],
            attack=t.adversarial,
            eps=t.adv_eps,
            steps=t.adv_steps,
        )

    def _follow_structure(self, model: GlobalModel) -> None:
        """Shrink the server's evaluation model when structured pruning changed the shapes."""
        own = self.model.state_dict()
        shapes = {n: tuple(t.shape) for n, t in model.params.items()}
        if any(tuple(own[n].shape) != s for n, s in shapes.items()):
            conform(model=self.model, example_input=self.example_input, shapes=shapes)
            apply_layout(self.model, channels_last=self.channels_last)
            self.macs = count_macs(model=self.model, example_input=self.example_input)

    def _round_row(
        self, rnd: int, model: GlobalModel, updates: list[Update], t0: float
    ) -> dict[str, Any]:
        acc, loss = self._evaluate(model)
        robust = self._robust_accuracy()
        train_losses = [u.metrics["train_loss"] for u in updates if "train_loss" in u.metrics]
        val_accs = [u.metrics["val_accuracy"] for u in updates if "val_accuracy" in u.metrics]
        sent: dict[str, dict[str, int]] = {"up": {}, "down": {}}
        for e in self.ledger.entries:
            if e.rnd == rnd:  # JSON keys are strings: use them in memory too
                sent[e.direction][str(e.cid)] = sent[e.direction].get(str(e.cid), 0) + e.nbytes
        sparsity = global_sparsity(model.masks)
        up, down = sum(sent["up"].values()), sum(sent["down"].values())
        log.info(
            "round %d: accuracy %.4f, sparsity %.4f, %d updates, %d bytes up, %d bytes down",
            rnd,
            acc,
            sparsity,
            len(updates),
            up,
            down,
        )
        return {
            "round": rnd,
            "accuracy": acc,
            "robust_accuracy": robust,
            "loss": loss,
            "sparsity": sparsity,
            "layer_sparsity": layer_sparsity(model.masks),
            "client_sparsity": dict(self.round_client_sparsity),
            "client_bytes_up": sent["up"],
            "client_bytes_down": sent["down"],
            "epsilon": privacy_spent(self.strategy),
            "macs": self.macs,
            "bytes_up": self.ledger.total(direction="up", rnd=rnd),
            "bytes_down": self.ledger.total(direction="down", rnd=rnd),
            "bytes_up_total": self.ledger.total(direction="up"),
            "bytes_down_total": self.ledger.total(direction="down"),
            "clients": sorted(u.cid for u in updates),
            "rejected": list(self.round_rejected),
            "skipped": self.skipped is not None,
            "skip_reason": self.skipped,
            # the global model is loaded in self.model by _evaluate
            **self.adversary.attack.round_metrics(model=self.model, x=self.test_x, y=self.test_y),
            "train_loss": float(np.mean(train_losses)) if train_losses else None,
            "client_val_accuracy": float(np.mean(val_accs)) if val_accs else None,
            "seconds": time.perf_counter() - t0,
        }

    def _summary(
        self,
        model: GlobalModel,
        rounds: list[dict[str, Any]],
        started: float,
    ) -> dict[str, Any]:
        final = rounds[-1]
        encoded = len(pack_model(params=model.params, masks=model.masks))
        dense = self.dense_bytes
        up, down = self.ledger.total(direction="up"), self.ledger.total(direction="down")
        return {
            "final_accuracy": final["accuracy"],
            "final_robust_accuracy": final.get("robust_accuracy"),
            "final_loss": final["loss"],
            "best_accuracy": max(r["accuracy"] for r in rounds),
            "rounds": len(rounds),
            "global_sparsity": global_sparsity(model.masks),
            "layer_sparsity": layer_sparsity(model.masks),
            "model_bytes_dense": dense,
            "model_bytes_encoded": encoded,
            "compression_ratio": compression_ratio(dense_bytes=dense, encoded_bytes=encoded),
            "parameters": parameter_counts(model.params, model.masks),
            # against the dense model before any structural step (remaining counts non-zeros)
            "parameter_compression_vs_dense": self.dense_numel
            / max(parameter_counts(model.params, model.masks)["remaining"], 1),
            "epsilon": privacy_spent(self.strategy),
            "delta": self.cfg.privacy.delta if self.cfg.privacy.mode != "none" else None,
            "macs": self.macs,
            "macs_dense": self.dense_macs,
            "macs_ratio": self.macs / self.dense_macs if self.dense_macs else 1.0,
            "bytes_up_total": up,
            "bytes_down_total": down,
            "bytes_total": up + down,
            "rejected_updates": self.rejected,
            "failed_clients": self.failed,
            # transfer learning: tensors left at fresh initialisation (None: trained from scratch)
            "init_fresh": self.init_fresh,
            "wall_seconds": time.perf_counter() - started,
        }
