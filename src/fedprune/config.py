"""Experiment configuration: validated sections, TOML/YAML files and ``key=value`` overrides."""

from __future__ import annotations

import copy
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


class ConfigError(ValueError):
    """A configuration problem, phrased as one line naming the key and what is allowed."""


class _Section(BaseModel):
    # strict: a YAML ``true`` must not quietly become ``epochs = 1``
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True, strict=True)


class DataConfig(_Section):
    """Which data set, and how it is split over clients."""

    dataset: str = "mnist10k"
    root: str | None = None
    # keyword options of the dataset's loader, e.g. {speakers: 40} for speech_digits
    options: dict[str, int | float | str | bool] = Field(default_factory=dict)
    partition: Literal["iid", "dirichlet", "shards", "natural"] = "dirichlet"
    alpha: float = Field(0.5, gt=0)
    classes_per_client: int = Field(2, ge=1)
    num_clients: int = Field(100, ge=1)
    val_fraction: float = Field(0.0, ge=0, lt=1)
    # k-fold cross-validation on client data: train on every fold but cv_fold, validate on it
    cv_folds: int | None = Field(None, ge=2)
    cv_fold: int = Field(0, ge=0)

    @field_validator("dataset")
    @classmethod
    def _known_dataset(cls, v: str) -> str:
        from fedprune.data import DATASETS

        DATASETS.get(v)
        return v

    @model_validator(mode="after")
    def _one_validation_split(self) -> DataConfig:
        if self.cv_folds is None:
            if self.cv_fold:
                raise ValueError("data.cv_fold needs data.cv_folds")
            return self
        if self.cv_fold >= self.cv_folds:
            raise ValueError(
                f"data.cv_fold ({self.cv_fold}) must be < data.cv_folds ({self.cv_folds})"
            )
        if self.val_fraction:
            raise ValueError("set one of data.val_fraction, data.cv_folds: both hold data out")
        return self


class ModelConfig(_Section):
    """Which registered model to train."""

    name: str = "cnn"
    # transfer learning: start from this fedprune model file (a run's model.safetensors)
    init_from: str | None = None

    @field_validator("name")
    @classmethod
    def _known_model(cls, v: str) -> str:
        from fedprune.models import MODELS

        MODELS.get(v)
        return v


class TrainConfig(_Section):
    """Local training on each client."""

    epochs: int = Field(5, ge=1)
    batch_size: int = Field(10, ge=1)
    lr: float = Field(0.1, gt=0)
    lr_decay: float = Field(0.95, gt=0, le=1)
    momentum: float = Field(0.5, ge=0, lt=1)
    weight_decay: float = Field(0.0, ge=0)
    # FedProx's proximal coefficient, for any strategy; unset: 0, or fedprox's own default
    prox_mu: float | None = Field(None, ge=0)
    # adversarial training: this share of each batch replaced by FGSM/PGD examples of radius
    # adv_eps (L-infinity, inputs in [0, 1]); robust test accuracy is then reported too
    adversarial: Literal["none", "fgsm", "pgd"] = "none"
    adv_eps: float = Field(0.1, gt=0, le=1)
    adv_steps: int = Field(5, ge=1)
    adv_fraction: float = Field(0.5, gt=0, le=1)
    # worker processes per client, training data-parallel (fedprune.silo); 1: in process
    silo_workers: int = Field(1, ge=1)

    @model_validator(mode="after")
    def _prox_step_stable(self) -> TrainConfig:
        # on the proximal term alone, SGD with momentum b converges iff lr * mu < 2 (1 + b)
        if self.prox_mu and self.lr * self.prox_mu >= 2 * (1 + self.momentum):
            raise ValueError(
                f"train.prox_mu ({self.prox_mu}) * train.lr ({self.lr}) must be < "
                f"2 * (1 + train.momentum) = {2 * (1 + self.momentum)}, or local training diverges"
            )
        return self


class FederationConfig(_Section):
    """Rounds, client sampling and aggregation."""

    rounds: int = Field(50, ge=1)
    clients_per_round: int | None = Field(10, ge=1)
    fraction: float | None = Field(None, gt=0, le=1)
    strategy: Literal[
        "fedavg", "fedavgm", "fedadam", "fedyogi", "fedadagrad", "fedprox", "heterofl"
    ] = "fedavg"
    aggregator: Literal[
        "mean", "masked_mean", "median", "trimmed_mean", "krum", "multi_krum", "norm_bound"
    ] = "mean"
    # Options of the strategy (server optimiser) and aggregator; unset: the component's default.
    # heterofl: the width rates of the submodels and the share of clients at each
    widths: list[float] | None = None
    width_shares: list[float] | None = None
    server_lr: float | None = Field(None, gt=0)
    server_momentum: float | None = Field(None, ge=0, lt=1)
    beta1: float | None = Field(None, ge=0, lt=1)
    beta2: float | None = Field(None, ge=0, lt=1)
    tau: float | None = Field(None, gt=0)
    min_votes: int | None = Field(None, ge=1)
    min_share: float | None = Field(None, ge=0, le=1)
    trim: float | None = Field(None, ge=0, lt=0.5)
    byzantine: int | None = Field(None, ge=0)
    krum_m: int | None = Field(None, ge=1)
    norm_bound: float | None = Field(None, gt=0)
    # Update validation: refuse updates whose change (on kept entries) exceeds this norm; skip
    # the round, global model unchanged, when fewer than min_updates valid updates remain.
    max_update_norm: float | None = Field(None, gt=0)
    min_updates: int = Field(1, ge=1)

    @model_validator(mode="before")
    @classmethod
    def _fraction_replaces_default_count(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("fraction") is not None:
            data = {"clients_per_round": None, **data}
        return data

    @model_validator(mode="after")
    def _one_sampling_rule(self) -> FederationConfig:
        if (self.clients_per_round is None) == (self.fraction is None):
            raise ValueError("set exactly one of federation.clients_per_round, federation.fraction")
        return self

    @model_validator(mode="after")
    def _options_are_used(self) -> FederationConfig:
        from fedprune.aggregate import AGGREGATORS, option_names, required_options
        from fedprune.strategy import STRATEGIES

        strategy = STRATEGIES.get(self.strategy)
        used = {k.removeprefix("federation.") for k in getattr(strategy, "config_keys", ())}
        used |= set(option_names(AGGREGATORS.get(self.aggregator)))
        for key in ("server_lr", "server_momentum", "beta1", "beta2", "tau"):
            if getattr(self, key) is not None and key not in used:
                raise ValueError(f"federation.{key} is not used by strategy {self.strategy!r}")
        for key in ("min_votes", "min_share", "trim", "byzantine", "krum_m", "norm_bound"):
            if getattr(self, key) is not None and key not in used:
                raise ValueError(f"federation.{key} is not used by aggregator {self.aggregator!r}")
        for key in required_options(AGGREGATORS.get(self.aggregator)):
            if getattr(self, key) is None:
                raise ValueError(f"federation.{key} is required by aggregator {self.aggregator!r}")
        if self.clients_per_round is not None and self.min_updates > self.clients_per_round:
            raise ValueError(
                f"federation.min_updates ({self.min_updates}) must be <= "
                f"federation.clients_per_round ({self.clients_per_round}), or no round aggregates"
            )
        return self


class PruningConfig(_Section):
    """Which pruning, where it runs (client or server) and on what schedule."""

    mode: Literal["none", "client", "server"] = "client"
    pruner: Literal["layer", "global", "erk", "threshold", "sensitivity"] = "global"
    criterion: Literal["magnitude", "random", "snip", "taylor", "shrink"] = "magnitude"
    # L1 shrinkage strength for criterion 'shrink' (L2 shrinkage is train.weight_decay)
    shrink_l1: float | None = Field(None, ge=0)
    target: float = Field(0.8, ge=0, le=1)
    threshold: float | None = Field(None, ge=0)
    schedule: Literal["oneshot", "polynomial"] = "polynomial"
    start_round: int = Field(1, ge=1)
    end_round: int = Field(15, ge=1)
    frequency: int = Field(1, ge=1)

    @model_validator(mode="after")
    def _consistent(self) -> PruningConfig:
        if self.pruner == "sensitivity" and self.mode != "client":
            raise ValueError(
                "pruning.pruner = 'sensitivity' measures accuracy on client data: it needs "
                "pruning.mode = 'client'"
            )
        if self.pruner == "threshold" and self.threshold is None:
            raise ValueError("pruning.threshold is required when pruning.pruner = 'threshold'")
        if self.criterion == "shrink" and self.shrink_l1 is None:
            raise ValueError(
                "pruning.shrink_l1 (>= 0) is required when pruning.criterion = 'shrink'"
            )
        if self.shrink_l1 is not None and self.criterion != "shrink":
            raise ValueError(
                f"pruning.shrink_l1 is only used by pruning.criterion = 'shrink', "
                f"not {self.criterion!r}"
            )
        if self.schedule == "polynomial" and self.end_round < self.start_round:
            raise ValueError("pruning.end_round must be >= pruning.start_round")
        return self


class StructuredConfig(_Section):
    """Structured pruning: channels/neurons removed, so every client trains a smaller model.

    The server decides the structure at ``rounds``: from the aggregate's own channel scores
    (``mode = "server"``) or from per-channel importance the clients send (``"client"``). Give
    ``ratio`` (fraction of channels removed in total) or a budget: ``flops_budget`` /
    ``params_budget`` are the fractions of the dense model's MACs / parameters to keep. With
    several rounds the reduction is spread geometrically over them. ``round_to`` > 1 leaves
    each pruned layer a multiple of that many channels (``plan_channels``). When unstructured
    pruning is also on (hybrid), ``pruning.target`` counts against the dense model's prunable
    weights.
    """

    mode: Literal["none", "server", "client"] = "none"
    criterion: Literal["l1", "bn_scale", "taylor", "random"] = "l1"
    scope: Literal["global", "layer"] = "global"
    ratio: float | None = Field(None, gt=0, lt=1)
    flops_budget: float | None = Field(None, gt=0, le=1)
    params_budget: float | None = Field(None, gt=0, le=1)
    rounds: list[int] = Field(default_factory=lambda: [5])
    round_to: int = Field(1, ge=1)

    @model_validator(mode="after")
    def _consistent(self) -> StructuredConfig:
        given = [k for k in ("ratio", "flops_budget", "params_budget") if getattr(self, k)]
        if self.mode != "none" and len(given) != 1:
            raise ValueError(
                "structured: give exactly one of ratio, flops_budget, params_budget "
                f"(got {given or 'none'})"
            )
        if not self.rounds or any(r < 1 for r in self.rounds):
            raise ValueError(f"structured.rounds must be round numbers >= 1, got {self.rounds}")
        if sorted(set(self.rounds)) != self.rounds:
            raise ValueError(f"structured.rounds must be increasing, got {self.rounds}")
        return self


class PrivacyConfig(_Section):
    """Differential privacy: central (DP-FedAvg on the server) or local (noise on each client).

    ``clip`` is the L2 bound of a client's update, ``noise_multiplier`` z the noise std in
    units of it, ``delta`` the delta epsilon is reported at. Central DP with client-side pruning
    needs ``allow_private_masks``: the clients' masks are computed from their data and sent in
    the clear, which the guarantee does not cover.
    """

    mode: Literal["none", "central", "local"] = "none"
    clip: float = Field(1.0, gt=0)
    noise_multiplier: float = Field(1.0, ge=0)
    delta: float = Field(1e-5, gt=0, lt=1)
    accountant: Literal["rdp", "prv"] = "rdp"
    adaptive_clip: bool = False
    target_quantile: float = Field(0.5, ge=0, le=1)
    clip_lr: float = Field(0.2, gt=0)
    count_noise: float | None = Field(None, gt=0)
    allow_private_masks: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> PrivacyConfig:
        if self.adaptive_clip and self.mode != "central":
            raise ValueError("privacy.adaptive_clip needs privacy.mode = 'central'")
        if (
            self.adaptive_clip
            and self.count_noise is not None
            and self.count_noise <= self.noise_multiplier / 2
        ):
            raise ValueError(
                f"privacy.count_noise ({self.count_noise}) must be > noise_multiplier / 2 "
                f"({self.noise_multiplier / 2}) for adaptive clipping (Andrew et al., Theorem 1)"
            )
        return self


class EdgeTier(_Section):
    """One device class: its share of the clients and its compute and link rates."""

    share: float = Field(gt=0, le=1)
    macs_per_second: float = Field(gt=0)
    up_bytes_per_second: float = Field(gt=0)
    down_bytes_per_second: float = Field(gt=0)


def _default_tiers() -> list[EdgeTier]:
    # phone/IoT-like classes: 20 GMAC/s on 10/50 Mbit/s, 5 GMAC/s on 5/20, 1 GMAC/s on 1/5
    return [
        EdgeTier(
            share=0.2,
            macs_per_second=2e10,
            up_bytes_per_second=1.25e6,
            down_bytes_per_second=6.25e6,
        ),
        EdgeTier(
            share=0.5, macs_per_second=5e9, up_bytes_per_second=6.25e5, down_bytes_per_second=2.5e6
        ),
        EdgeTier(
            share=0.3, macs_per_second=1e9, up_bytes_per_second=1.25e5, down_bytes_per_second=6.25e5
        ),
    ]


class EdgeConfig(_Section):
    """Edge simulation (``fedprune.edge``): simulated time per round, availability, dropouts,
    stragglers cut by a ``deadline`` (simulated seconds); ``tiers`` are device classes whose
    shares sum to 1, drawn per client from the seed."""

    enabled: bool = False
    availability: float = Field(1.0, gt=0, le=1)
    dropout: float = Field(0.0, ge=0, lt=1)
    deadline: float | None = Field(None, gt=0)
    tiers: list[EdgeTier] = Field(default_factory=_default_tiers)

    @model_validator(mode="after")
    def _shares(self) -> EdgeConfig:
        total = sum(t.share for t in self.tiers)
        if not self.tiers or abs(total - 1.0) > 1e-6:
            raise ValueError(f"edge.tiers shares must sum to 1, got {total:g}")
        return self


AdaptiveBy = Literal["bandwidth", "data", "feedback"]


class AdaptiveConfig(_Section):
    """Adaptive per-client pruning (client-side pruning only): up to ``max_extra`` more
    sparsity for clients with less upload bandwidth (``by`` has ``bandwidth``: the ``edge``
    tiers) or less data (``data``); with both, the offsets are averaged. ``feedback`` adds a
    learned offset per client: ``step`` less after its validation accuracy fell by more than
    ``tolerance`` when it pruned, ``step`` more when it held (needs ``data.val_fraction``)."""

    enabled: bool = False
    by: list[AdaptiveBy] = Field(default_factory=lambda: list[AdaptiveBy](["bandwidth"]))
    max_extra: float = Field(0.15, ge=0, lt=1)
    tolerance: float = Field(0.02, ge=0, le=1)
    step: float = Field(0.05, gt=0, lt=1)

    @model_validator(mode="after")
    def _some(self) -> AdaptiveConfig:
        if self.enabled and not self.by:
            raise ValueError("adaptive.by must name at least one of: bandwidth, data, feedback")
        return self


class DSTConfig(_Section):
    """Dynamic sparse training, FedDST (``fedprune.strategy.feddst``): from ``start_round``,
    every ``every`` rounds the clients swap a cosine-annealed fraction ``alpha`` of their kept
    weights (smallest out, largest-gradient pruned ones in; annealed to 0 at ``end_round``,
    default ``federation.rounds``) and train ``regrow_epochs`` more; the server keeps a grown
    entry with at least ``min_votes`` clients and holds the density. The pruning schedule sets
    the density first, so ``start_round`` must come after it; the aggregator must be
    ``masked_mean``."""

    enabled: bool = False
    alpha: float = Field(0.3, gt=0, le=1)
    every: int = Field(5, ge=1)
    start_round: int = Field(5, ge=1)
    end_round: int | None = Field(None, ge=1)
    min_votes: int = Field(1, ge=1)
    regrow_epochs: int = Field(1, ge=0)


class PruneFLConfig(_Section):
    """PruneFL (``fedprune.strategy.prunefl``): from ``start_round``, every ``every`` rounds the
    clients also upload each entry's importance and the server keeps the mask with the most
    importance per second of a round; up to ``max_decrease`` of each tensor's smallest kept
    weights may go (halving every ``half_life`` rounds) and ``max_density`` caps the kept share.
    The round time comes from the ``edge`` tiers (whether or not the edge is simulated): each
    kept entry costs ``entry_bytes`` each way, plus its training MACs with ``sparse_compute``
    (kernels that skip pruned weights; off: dense kernels, as the edge model assumes), on top
    of ``latency`` seconds. Starts from the mask the pruning schedule sets (``pruning.mode``
    server, or none: dense)."""

    enabled: bool = False
    every: int = Field(5, ge=1)
    start_round: int = Field(2, ge=1)
    max_decrease: float = Field(0.3, gt=0, lt=1)
    half_life: float = Field(20.0, gt=0)
    max_density: float | None = Field(None, gt=0, le=1)
    entry_bytes: float = Field(4.0, gt=0)
    sparse_compute: bool = False
    latency: float = Field(1.0, gt=0)


class BanditConfig(_Section):
    """A learned pruning schedule (``fedprune.strategy.bandit``): each round a bandit
    ``policy`` picks one of ``steps`` to add to the sparsity (up to ``pruning.target``, from
    ``pruning.start_round``), rewarded by the clients' validation accuracy gained per share of
    a dense upload; ``discount`` fades old rewards. Needs ``data.val_fraction``."""

    enabled: bool = False
    policy: str = "ucb"
    steps: list[float] = Field(default_factory=lambda: [0.0, 0.05, 0.1, 0.2])
    discount: float = Field(0.9, gt=0, le=1)

    @field_validator("policy")
    @classmethod
    def _known_policy(cls, v: str) -> str:
        from fedprune.bandit import POLICIES

        POLICIES.get(v)
        return v

    @field_validator("steps")
    @classmethod
    def _steps(cls, v: list[float]) -> list[float]:
        if not v or any(not 0 <= s <= 1 for s in v):
            raise ValueError("bandit.steps must be a non-empty list of steps in [0, 1]")
        return v


class CodecConfig(_Section):
    """How payloads are encoded on each direction (``fedprune.codec`` pipeline texts)."""

    uplink: str = "fp32"
    downlink: str = "fp32"
    delta: bool = False
    error_feedback: bool = False

    @field_validator("uplink", "downlink")
    @classmethod
    def _pipeline(cls, v: str) -> str:
        from fedprune.codec import parse_pipeline

        return str(parse_pipeline(v))

    @model_validator(mode="after")
    def _consistent(self) -> CodecConfig:
        from fedprune.codec import parse_pipeline

        up, down = parse_pipeline(self.uplink), parse_pipeline(self.downlink)
        if up.topk is not None and not self.delta:
            raise ValueError("codec.uplink with topk needs codec.delta = true (top-k of updates)")
        if self.error_feedback and not self.delta:
            raise ValueError("codec.error_feedback needs codec.delta = true")
        if down.topk is not None:
            raise ValueError("codec.downlink cannot use topk: it would prune the global model")
        return self


class EngineConfig(_Section):
    """Where client work runs.

    ``local`` (default) runs each round's clients on ``workers`` forked processes (one per core
    unless set; 1: in this process) of ``worker_threads`` torch threads each; ``threads`` sets
    this process's torch threads (evaluation, in-process clients). ``device`` other than
    ``cpu`` trains the clients there (``fedprune.device``), one after another in this process.

    ``flower`` runs each round's clients through Flower's Ray simulation (``fedprune[flower]``):
    ``client_cpus`` CPUs per client actor, on the Ray cluster at ``ray_address`` (``"auto"``:
    the one this machine joined; unset: a local one), replies awaited ``timeout`` seconds.
    """

    name: Literal["local", "flower"] = "local"
    threads: int | None = Field(None, ge=1)
    # local: client jobs on this many forked worker processes (unset: one per core; 1: in
    # process), each with worker_threads torch threads
    workers: int | None = Field(None, ge=1)
    worker_threads: int = Field(1, ge=1)
    # conv models train and evaluate in channels-last memory layout where that is faster
    # (auto: any model with a 2-d convolution; measured in benchmarks/sim_speed.py)
    memory_format: Literal["auto", "contiguous", "channels_last"] = "auto"
    # clients' error-feedback residuals as files in this folder, not in RAM (many clients)
    spill_dir: str | None = None
    # where clients train: 'cpu' (default: the same bits on every machine), 'cuda', 'cuda:N',
    # or 'auto' (CUDA when usable); local engine only, clients then run in this process
    device: str = "cpu"
    # pruned Linear layers train on their kept weights through CSR kernels where
    # benchmarks/sparse_kernels.py measured a gain ('auto': fedprune.sparse_linear.AUTO; CPU)
    sparse_kernels: Literal["off", "auto"] = "auto"
    client_cpus: float = Field(1.0, gt=0)
    ray_address: str | None = None
    timeout: float = Field(600.0, gt=0)

    @field_validator("sparse_kernels", mode="before")
    @classmethod
    def _off_is_off(cls, value: Any) -> Any:
        return "off" if value is False else value  # YAML reads a bare off as false

    @field_validator("device")
    @classmethod
    def _device_name(cls, value: str) -> str:
        from fedprune.device import check_device_name

        return check_device_name(value)

    @model_validator(mode="after")
    def _device_fits(self) -> EngineConfig:
        if self.device != "cpu" and self.name != "local":
            raise ValueError(
                f"engine.device = {self.device!r} is an option of engine.name = 'local' "
                f"(not {self.name!r})"
            )
        return self


class AttackConfig(_Section):
    """Simulated malicious clients, to evaluate defences (``fedprune.attacks``).

    ``fraction`` of the clients, drawn from the seed alone, run attack ``kind`` whenever they are
    sampled. ``scale`` (``scale``, ``sign_flip``), ``std`` (``gaussian``), ``target`` and
    ``poison_fraction`` (``backdoor``) are the kinds' options; unset: the attack's default.
    """

    kind: str = "none"
    fraction: float = Field(0.0, ge=0, le=1)
    scale: float | None = None
    std: float | None = Field(None, gt=0)
    target: int | None = Field(None, ge=0)
    poison_fraction: float | None = Field(None, gt=0, le=1)

    @field_validator("kind")
    @classmethod
    def _known_attack(cls, v: str) -> str:
        from fedprune.attacks import ATTACKS

        ATTACKS.get(v)
        return v

    @model_validator(mode="after")
    def _consistent(self) -> AttackConfig:
        from fedprune.attacks import ATTACKS, attack_options

        if self.kind == "none" and self.fraction > 0:
            raise ValueError("attack.fraction needs an attack.kind")
        if self.kind != "none" and self.fraction == 0:
            raise ValueError(f"attack.kind {self.kind!r} needs attack.fraction > 0")
        used = attack_options(ATTACKS.get(self.kind))
        for key in ("scale", "std", "target", "poison_fraction"):
            if getattr(self, key) is not None and key not in used:
                raise ValueError(f"attack.{key} is not used by attack {self.kind!r}")
        return self


class CheckpointConfig(_Section):
    """Checkpoints in ``RUN_DIR/checkpoints/round_NNNN``: after every ``every``-th round (0 =
    none), the newest ``keep`` kept. ``fedprune run --resume RUN_DIR`` continues from the newest.
    """

    every: int = Field(10, ge=0)
    keep: int = Field(2, ge=1)


class SecAggConfig(_Section):
    """Secure aggregation (``fedprune.secagg``): the server learns only the round's weighted sum.

    ``threshold`` shares rebuild a client's secrets (unset: two thirds of the holders, rounded
    up; the holders are the round's clients, or ``neighbours`` + 1 with SecAgg+'s k-regular
    graph). ``dropout`` of the clients, simulated, drop out before their masked input.
    Update entries are clipped to ``[-clip, clip]`` and fixed-point encoded in Z_{2^bits}; a
    client's weight is its example count, capped at the public bound ``max_examples``.
    """

    enabled: bool = False
    threshold: int | None = Field(None, ge=1)
    dropout: float = Field(0.0, ge=0, lt=1)
    bits: Literal[32, 64] = 64
    clip: float = Field(64.0, gt=0)
    max_examples: int = Field(65536, ge=1)
    neighbours: int | None = Field(None, ge=2)

    @field_validator("neighbours")
    @classmethod
    def _even(cls, v: int | None) -> int | None:
        if v is not None and v % 2:
            raise ValueError(f"secagg.neighbours must be even (k/2 on each side), got {v}")
        return v


class ExperimentConfig(_Section):
    """A whole experiment; every default together is the embedded default run."""

    seed: int = 0
    # a preset of data, model and training defaults (fedprune.tasks.TASKS); explicit keys win
    task: str | None = None
    data: DataConfig = DataConfig()
    model: ModelConfig = ModelConfig()
    train: TrainConfig = TrainConfig()
    federation: FederationConfig = FederationConfig()
    pruning: PruningConfig = PruningConfig()
    structured: StructuredConfig = StructuredConfig()
    privacy: PrivacyConfig = PrivacyConfig()
    edge: EdgeConfig = EdgeConfig()
    adaptive: AdaptiveConfig = AdaptiveConfig()
    bandit: BanditConfig = BanditConfig()
    dst: DSTConfig = DSTConfig()
    prunefl: PruneFLConfig = PruneFLConfig()
    codec: CodecConfig = CodecConfig()
    engine: EngineConfig = EngineConfig()
    attack: AttackConfig = AttackConfig()
    checkpoint: CheckpointConfig = CheckpointConfig()
    secagg: SecAggConfig = SecAggConfig()

    @model_validator(mode="before")
    @classmethod
    def _task_defaults(cls, data: Any) -> Any:
        from fedprune.tasks import with_task_defaults

        return with_task_defaults(data) if isinstance(data, Mapping) else data

    @model_validator(mode="after")
    def _fits(self) -> ExperimentConfig:
        up = self.codec.uplink
        if self.pruning.mode == "client" and "mask-known" in up:
            raise ValueError(
                "a mask-known codec.uplink needs pruning.mode 'server' or 'none': with "
                "client-side pruning the server does not know the client's mask (codec.delta "
                "works: the client's mask travels with its update)"
            )
        if self.pruning.mode == "client" and up.startswith("topk"):
            raise ValueError(
                "codec.uplink with topk needs pruning.mode 'server' or 'none': its mask on the "
                "wire is the top-k selection, so the server could not tell the entries the "
                "client pruned from those top-k left for a later round"
            )
        if self.structured.mode != "none" and self.codec.error_feedback:
            raise ValueError(
                "codec.error_feedback with structured pruning is not supported: the clients' "
                "residuals would not follow the model's new shape"
            )
        if self.structured.rounds[-1] > self.federation.rounds and self.structured.mode != "none":
            raise ValueError(
                f"structured.rounds {self.structured.rounds} go past federation.rounds "
                f"({self.federation.rounds})"
            )
        if (
            self.privacy.mode != "none"
            and self.pruning.mode == "client"
            and not self.privacy.allow_private_masks
        ):
            raise ValueError(
                "privacy with pruning.mode = 'client' sends masks computed from private data "
                "outside the guarantee: use pruning.mode 'server' or 'none' (masks shared by "
                "all), or set privacy.allow_private_masks = true"
            )
        if self.federation.strategy == "heterofl":
            clash = [
                name
                for name, on in (
                    ("pruning.mode = client", self.pruning.mode == "client"),
                    ("privacy", self.privacy.mode != "none"),
                    ("structured", self.structured.mode != "none"),
                    ("codec.delta", self.codec.delta),
                    ("secagg", self.secagg.enabled),
                    ("dst", self.dst.enabled),
                )
                if on
            ]
            if clash:
                raise ValueError(
                    f"federation.strategy = 'heterofl' gives clients submodels of other shapes; "
                    f"not supported with {', '.join(clash)}"
                )
        elif self.federation.widths is not None or self.federation.width_shares is not None:
            raise ValueError("federation.widths / width_shares are options of strategy 'heterofl'")
        if self.dst.enabled:
            p = self.pruning
            settled = p.start_round if p.schedule == "oneshot" else p.end_round
            if p.mode == "none" or self.dst.start_round <= settled:
                raise ValueError(
                    f"dst.start_round ({self.dst.start_round}) must come after the pruning "
                    f"schedule has set the density (round {settled}, pruning.mode client or "
                    "server): FedDST holds a density, it does not reach one"
                )
            if self.federation.aggregator != "masked_mean":
                raise ValueError(
                    "dst needs federation.aggregator = 'masked_mean': a client that dropped an "
                    "entry must not pull its average to zero"
                )
            if self.bandit.enabled:
                raise ValueError("dst and bandit both steer the mask: enable one")
        if self.prunefl.enabled and (problem := self._prunefl_problem()) is not None:
            raise ValueError(problem)
        if self.bandit.enabled and self.pruning.mode == "none":
            raise ValueError("bandit picks pruning steps: set pruning.mode to client or server")
        if self.bandit.enabled and not (self.data.val_fraction or self.data.cv_folds):
            raise ValueError(
                "bandit is rewarded by the clients' validation accuracy: set data.val_fraction "
                "(e.g. 0.1)"
            )
        if self.adaptive.enabled and self.pruning.mode != "client":
            raise ValueError("adaptive per-client pruning needs pruning.mode = 'client'")
        if (
            self.adaptive.enabled
            and "feedback" in self.adaptive.by
            and not (self.data.val_fraction or self.data.cv_folds)
        ):
            raise ValueError(
                "adaptive.by = feedback measures each client's validation accuracy: set "
                "data.val_fraction (e.g. 0.1)"
            )
        if self.edge.enabled and self.secagg.enabled:
            raise ValueError(
                "edge simulation with secure aggregation is not supported yet: dropouts would "
                "have to happen inside the protocol"
            )
        if self.engine.device != "cpu" and self.train.silo_workers > 1:
            raise ValueError(
                f"engine.device = {self.engine.device!r} with train.silo_workers > 1 is not "
                "supported: a data-parallel silo trains on CPU processes"
            )
        per_round = self.federation.clients_per_round
        if per_round is not None and per_round > self.data.num_clients:
            raise ValueError(
                f"federation.clients_per_round ({per_round}) must be <= data.num_clients "
                f"({self.data.num_clients})"
            )
        return self

    def _prunefl_problem(self) -> str | None:
        """Why PruneFL cannot run with the rest of this config, or ``None``."""
        p = self.pruning
        if p.mode == "client":
            return (
                "prunefl reconfigures one global mask: use pruning.mode 'server' (its "
                "schedule sets the starting mask) or 'none' (start dense), not 'client'"
            )
        settled = p.start_round if p.schedule == "oneshot" else p.end_round
        if p.mode == "server" and self.prunefl.start_round <= settled:
            return (
                f"prunefl.start_round ({self.prunefl.start_round}) must come after the pruning "
                f"schedule has set the starting mask (round {settled})"
            )
        clash = [
            name
            for name, on in (
                ("dst", self.dst.enabled),
                ("bandit", self.bandit.enabled),
                ("structured", self.structured.mode != "none"),
                ("federation.strategy = heterofl", self.federation.strategy == "heterofl"),
                ("secagg (importance would travel in the clear)", self.secagg.enabled),
                ("privacy (importance is not covered)", self.privacy.mode != "none"),
                ("train.silo_workers > 1", self.train.silo_workers > 1),
            )
            if on
        ]
        if clash:
            return f"prunefl steers the mask from clients' importance; not with {', '.join(clash)}"
        return None

    @model_validator(mode="after")
    def _secagg_fits(self) -> ExperimentConfig:
        from fedprune.secagg.compat import secagg_problem

        if self.secagg.enabled and (problem := secagg_problem(self)) is not None:
            raise ValueError(problem)
        return self

    @model_validator(mode="after")
    def _silo_fits(self) -> ExperimentConfig:
        from fedprune.silo.compat import silo_problem

        if (problem := silo_problem(self)) is not None:
            raise ValueError(problem)
        return self


def read_config_file(path: str | Path) -> dict[str, Any]:
    """Parse a TOML (``.toml``) or YAML (``.yaml``/``.yml``) config file into a dict."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"config file not found: {p}")
    text = p.read_text(encoding="utf-8")
    try:
        if p.suffix == ".toml":
            data: Any = tomllib.loads(text)
        elif p.suffix in (".yaml", ".yml"):
            data = yaml.safe_load(text) or {}
        else:
            raise ConfigError(
                f"config file {p}: unknown suffix {p.suffix!r}; allowed: .toml, .yaml"
            )
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"config file {p} does not parse: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"config file {p}: top level must be a table of sections")
    return data


_FLOAT = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)[eE][-+]?\d+")


def apply_overrides(data: Mapping[str, Any], overrides: Sequence[str]) -> dict[str, Any]:
    """Apply ``section.key=value`` overrides; values parse as YAML scalars (``0.8``, ``true``)."""
    out: dict[str, Any] = copy.deepcopy(dict(data))
    for item in overrides:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise ConfigError(f"override {item!r} must look like section.key=value")
        try:
            value = yaml.safe_load(raw) if raw else None
        except yaml.YAMLError:
            raise ConfigError(f"override {item!r}: value {raw!r} does not parse") from None
        if isinstance(value, str) and _FLOAT.fullmatch(value):
            value = float(value)  # YAML 1.1 reads 1e-4 (no dot) as a string
        parts = key.split(".")
        node = out
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise ConfigError(f"override {item!r}: {part} is not a section")
            node = child
        node[parts[-1]] = value
    return out


def _describe(err: Mapping[str, Any]) -> str:
    loc = ".".join(str(p) for p in err["loc"])
    if err["type"] == "extra_forbidden":
        section: type[BaseModel] = ExperimentConfig
        for part in err["loc"][:-1]:
            section = section.model_fields[str(part)].annotation  # type: ignore[assignment]
        allowed = ", ".join(section.model_fields)
        return f"{loc}: unknown key; allowed: {allowed}"
    msg = str(err["msg"]).removeprefix("Value error, ")
    return f"{loc}: {msg}" if loc else msg


def build_config(
    *, path: str | Path | None = None, overrides: Sequence[str] = ()
) -> ExperimentConfig:
    """Load ``path`` (if any), apply ``overrides`` and validate; ``ConfigError`` on any problem."""
    data = read_config_file(path) if path is not None else {}
    data = apply_overrides(data, overrides)
    try:
        return ExperimentConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc.errors()[0])) from None
