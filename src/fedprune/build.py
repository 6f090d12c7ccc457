"""Builds a run's strategy from the config: base strategy, privacy, pruning mode, structure."""

from __future__ import annotations

import copy
import inspect
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch

from fedprune.bandit import make_policy
from fedprune.client import make_pruner
from fedprune.config import ExperimentConfig
from fedprune.edge import entry_costs
from fedprune.messages import Instruction, PruneOrder
from fedprune.privacy import Accountant
from fedprune.profile import layer_macs
from fedprune.prune import SCHEDULES
from fedprune.prune.schedule import Schedule
from fedprune.strategy import STRATEGIES, Strategy
from fedprune.strategy.adaptive import AdaptiveClientPruning, capacity_offsets
from fedprune.strategy.bandit import BanditPruning, BanditSchedule
from fedprune.strategy.feddst import FedDST
from fedprune.strategy.feedback import PerformanceFeedback
from fedprune.strategy.hybrid import HybridTarget
from fedprune.strategy.modes import PRUNING_MODES
from fedprune.strategy.privacy_modes import PRIVACY_MODES
from fedprune.strategy.prunefl import PruneFL
from fedprune.strategy.structured import StructuredPruning


def build_strategy(
    cfg: ExperimentConfig,
    *,
    model: torch.nn.Module | None = None,
    example_input: torch.Tensor | None = None,
    offsets: Mapping[int, float] | None = None,
    sizes: Sequence[int] | None = None,
) -> Strategy:
    """The configured base strategy wrapped by the configured pruning mode, then by structured
    pruning when ``structured.mode`` is set (which needs ``model`` and ``example_input``;
    PruneFL too, and the clients' training-set ``sizes`` for its time model).

    The strategy's ``config_keys`` (``section.key``) and the aggregator's option keywords name
    the config fields it takes; fields left unset (``None``) keep the component's default.
    """
    from fedprune.aggregate import AGGREGATORS, option_names

    t, f, p = cfg.train, cfg.federation, cfg.pruning
    instruction = Instruction(
        epochs=t.epochs,
        batch_size=t.batch_size,
        lr=t.lr,
        momentum=t.momentum,
        weight_decay=t.weight_decay,
        prox_mu=t.prox_mu or 0.0,
        shrink_l1=p.shrink_l1 or 0.0,
        adversarial=None if t.adversarial == "none" else t.adversarial,
        adv_eps=t.adv_eps,
        adv_steps=t.adv_steps,
        adv_fraction=t.adv_fraction,
        silo_workers=t.silo_workers,
    )
    factory = STRATEGIES.get(f.strategy)
    options: dict[str, Any] = {}
    for key in getattr(factory, "config_keys", ()):
        section, name = key.split(".")
        if (value := getattr(getattr(cfg, section), name)) is not None:
            options[name] = value
    aggregate_fn = AGGREGATORS.get(f.aggregator)
    aggregator_options = {
        k: v for k in option_names(aggregate_fn) if (v := getattr(f, k)) is not None
    }
    takes = inspect.signature(factory).parameters
    if "model" in takes:  # a strategy that cuts submodels (HeteroFL) needs the architecture
        if model is None or example_input is None:
            raise ValueError(f"strategy {f.strategy!r} needs the model and an example input")
        options |= {"model": model, "example_input": example_input, "seed": cfg.seed}
    inner = factory(
        instruction=instruction,
        aggregator=f.aggregator,
        aggregator_options=aggregator_options,
        lr_decay=t.lr_decay,
        **options,
    )
    inner = wrap_privacy(cfg, inner)
    order = PruneOrder(
        pruner=p.pruner, criterion=p.criterion, target=p.target, threshold=p.threshold
    )
    b = cfg.bandit
    schedule: Schedule = (
        BanditSchedule(
            policy=make_policy(
                name=b.policy, arms=len(b.steps), discount=b.discount, seed=cfg.seed
            ),
            steps=b.steps,
            final=p.target,
            start=p.start_round,
        )
        if b.enabled
        else SCHEDULES.get(p.schedule)(
            final=p.target, start=p.start_round, end=p.end_round, frequency=p.frequency
        )
    )
    pruner = make_pruner(name=p.pruner, threshold=p.threshold)
    st = cfg.structured
    hybrid = HybridTarget(schedule=schedule) if st.mode != "none" else None
    wrapped = PRUNING_MODES.get(p.mode)(
        inner=inner, order=order, pruner=pruner, schedule=hybrid or schedule, seed=cfg.seed
    )
    if isinstance(schedule, BanditSchedule):
        wrapped = BanditPruning(inner=wrapped, schedule=schedule)
    if offsets is not None:
        # the config checked pruning.mode = client
        wrapped = AdaptiveClientPruning(inner=wrapped, offsets=offsets)
    if cfg.dst.enabled:
        d = cfg.dst
        wrapped = FedDST(
            inner=wrapped,
            alpha=d.alpha,
            every=d.every,
            start_round=d.start_round,
            end_round=d.end_round or cfg.federation.rounds,
            min_votes=d.min_votes,
            regrow_epochs=d.regrow_epochs,
        )
    if cfg.prunefl.enabled:
        if model is None or example_input is None or not sizes:
            raise ValueError("prunefl needs the model, an example input and the clients' sizes")
        wrapped = wrap_prunefl(cfg, wrapped, model=model, example_input=example_input, sizes=sizes)
    a = cfg.adaptive
    if a.enabled and "feedback" in a.by:
        wrapped = PerformanceFeedback(
            inner=wrapped, tolerance=a.tolerance, step=a.step, high=a.max_extra
        )
    if st.mode == "none":
        return wrapped
    if model is None or example_input is None:
        raise ValueError("structured pruning needs the model and an example input")
    return StructuredPruning(
        inner=wrapped,
        model=copy.deepcopy(model),
        example_input=example_input,
        criterion=st.criterion,
        scope=st.scope,
        rounds=st.rounds,
        source=st.mode,
        ratio=st.ratio,
        flops_budget=st.flops_budget,
        params_budget=st.params_budget,
        round_to=st.round_to,
        hybrid=hybrid,
        seed=cfg.seed,
    )


def wrap_prunefl(
    cfg: ExperimentConfig,
    inner: Strategy,
    *,
    model: torch.nn.Module,
    example_input: torch.Tensor,
    sizes: Sequence[int],
) -> PruneFL:
    """``inner`` under PruneFL, its time model from the ``edge`` tiers and this model's size."""
    from fedprune.models import prunable_names

    pf = cfg.prunefl
    costs, fixed = entry_costs(
        tiers=cfg.edge.tiers,
        sizes={n: p.numel() for n, p in model.named_parameters() if p.requires_grad},
        macs=layer_macs(model=model, example_input=example_input[:1]),
        prunable=prunable_names(model),
        examples=float(np.mean(sizes)),
        epochs=cfg.train.epochs,
        entry_bytes=pf.entry_bytes,
        sparse_compute=pf.sparse_compute,
        latency=pf.latency,
    )
    return PruneFL(
        inner=inner,
        every=pf.every,
        start_round=pf.start_round,
        max_decrease=pf.max_decrease,
        half_life=pf.half_life,
        costs=costs,
        fixed_cost=fixed,
        max_density=pf.max_density,
    )


def wrap_privacy(cfg: ExperimentConfig, inner: Strategy) -> Strategy:
    """The base strategy behind central or local DP (``privacy.mode``), or as it is."""
    pv, f, d = cfg.privacy, cfg.federation, cfg.data
    expected = f.clients_per_round or max(1, round((f.fraction or 0.0) * d.num_clients))
    return PRIVACY_MODES.get(pv.mode)(
        inner=inner,
        clip=pv.clip,
        noise_multiplier=pv.noise_multiplier,
        sample_rate=expected / d.num_clients,
        accountant=Accountant(name=pv.accountant, delta=pv.delta),
        expected_clients=expected,
        seed=cfg.seed,
        adaptive=pv.adaptive_clip,
        target_quantile=pv.target_quantile,
        clip_lr=pv.clip_lr,
        count_noise=pv.count_noise,
    )


def adaptive_offsets(cfg: ExperimentConfig, *, sizes: list[int]) -> dict[int, float] | None:
    """Per-client extra sparsity from ``adaptive.by`` (averaged), or ``None`` when off.

    ``bandwidth`` uses each client's upload rate from the ``edge`` tiers (drawn from the seed
    whether or not the edge is simulated), ``data`` its number of training examples.
    """
    from fedprune.edge import assign_tiers

    a = cfg.adaptive
    if not a.enabled:
        return None
    capacity = {
        "bandwidth": lambda: [
            cfg.edge.tiers[int(t)].up_bytes_per_second
            for t in assign_tiers(num_clients=len(sizes), tiers=cfg.edge.tiers, seed=cfg.seed)
        ],
        "data": lambda: [float(n) for n in sizes],
    }
    kinds = [k for k in a.by if k in capacity]  # feedback is learned, not fixed up front
    if not kinds:
        return None
    parts = [capacity_offsets(capacity=capacity[k](), max_extra=a.max_extra) for k in kinds]
    mean = np.mean(np.stack(parts), axis=0)
    return {cid: float(x) for cid, x in enumerate(mean)}
