"""Structured pruning in federation: the server removes channels and every client gets the
smaller model."""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import Tensor, nn

from fedprune.client import client_seed
from fedprune.messages import GlobalModel, Instruction, Update
from fedprune.payload import load_sent_state
from fedprune.prune.structured import (
    apply_plan,
    channel_scores,
    conform,
    plan_channels,
    plan_to_budget,
)
from fedprune.strategy.base import Strategy
from fedprune.strategy.hybrid import HybridTarget

log = logging.getLogger(__name__)


class StructuredPruning(Strategy):
    """Wraps a strategy; at ``rounds`` the server prunes whole channels/neurons of the aggregate.

    Channel importance comes from the aggregate itself (``source="server"``: its weights, or
    for ``taylor`` the aggregated pseudo-gradient ``x_before - x_after`` in place of a data
    gradient, since the server holds no data) or from the clients (``source="client"``: each
    client scores the channels of its trained model on its own data and sends the scores, not
    extra weights; the server averages them weighted by examples). The server then decides one
    structure with Torch-Pruning's dependency graph, so the global model stays consistent and
    every client receives, trains and uploads the physically smaller model. Masks, the inner
    strategy's per-weight state and a hybrid unstructured target follow the new shapes.

    The reduction (``ratio`` of channels, or ``flops_budget`` / ``params_budget`` kept of the
    dense model) is reached at the last of ``rounds``, spread geometrically over them.
    """

    def __init__(
        self,
        *,
        inner: Strategy,
        model: nn.Module,
        example_input: Tensor,
        criterion: str,
        scope: str,
        rounds: Sequence[int],
        source: str = "server",
        ratio: float | None = None,
        flops_budget: float | None = None,
        params_budget: float | None = None,
        round_to: int = 1,
        hybrid: HybridTarget | None = None,
        seed: int = 0,
    ) -> None:
        from fedprune.profile import count_macs

        if sum(x is not None for x in (ratio, flops_budget, params_budget)) != 1:
            raise ValueError("give exactly one of ratio, flops_budget, params_budget")
        if source not in ("server", "client"):
            raise ValueError(f"structured source must be 'server' or 'client', got {source!r}")
        self.inner, self.model, self.example_input = inner, model, example_input
        self.criterion, self.scope, self.source = criterion, scope, source
        self.rounds = list(rounds)
        self.ratio, self.flops_budget, self.params_budget = ratio, flops_budget, params_budget
        self.round_to, self.hybrid, self.seed = round_to, hybrid, seed
        self.dense_macs = count_macs(model=model, example_input=example_input)
        self.dense_params = _param_count(model)
        self.prunable_dense: int | None = None

    def configure_round(
        self, *, rnd: int, model: GlobalModel, clients: Sequence[int]
    ) -> dict[int, Instruction]:
        plan = self.inner.configure_round(rnd=rnd, model=model, clients=clients)
        if self.source != "client" or rnd not in self.rounds:
            return plan
        return {c: _asking(instr, self.criterion) for c, instr in plan.items()}

    def aggregate(self, *, rnd: int, model: GlobalModel, updates: Sequence[Update]) -> GlobalModel:
        if self.prunable_dense is None:
            self.prunable_dense = sum(m.numel() for m in model.masks.values())
        new = self.inner.aggregate(rnd=rnd, model=model, updates=updates)
        if rnd not in self.rounds:
            return new
        load_sent_state(self.model, new.params)
        scores = self._scores(rnd=rnd, before=model, after=new, updates=updates)
        plan = self._plan(step=self.rounds.index(rnd) + 1, scores=scores)
        if not any(len(idx) for idx in plan.values()):
            return new
        maps = apply_plan(model=self.model, example_input=self.example_input, plan=plan)
        missing = [n for n in new.params if n not in maps]
        if missing:
            raise RuntimeError(f"structural step left no index map for {missing[:3]}")
        params = {n: t.reshape(-1)[maps[n]].clone() for n, t in new.params.items()}
        masks = {n: m.reshape(-1)[maps[n]].clone() for n, m in new.masks.items()}
        self.inner.remap(maps=maps)
        if self.hybrid is not None:
            self.hybrid.kept = sum(m.numel() for m in masks.values()) / self.prunable_dense
        log.info(
            "round %d: structured step kept %d of %d parameters",
            rnd,
            _param_count(self.model),
            self.dense_params,
        )
        return GlobalModel(params=params, masks=masks)

    def state_dict(self) -> dict[str, Any]:
        """The inner strategy's state, the server's model (whose shapes are the structure so
        far), the dense prunable count and the hybrid share kept."""
        return {
            "inner": self.inner.state_dict(),
            "model": {n: t.detach().clone() for n, t in self.model.state_dict().items()},
            "prunable_dense": self.prunable_dense,
            "hybrid": self.hybrid.state_dict() if self.hybrid is not None else None,
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore ``state_dict()``; the model is first shrunk to the saved shapes (``conform``)."""
        expected = {"inner", "model", "prunable_dense", "hybrid"}
        if set(state) != expected:
            raise ValueError(f"state has keys {sorted(state)}, expected {sorted(expected)}")
        if (state["hybrid"] is None) != (self.hybrid is None):
            raise ValueError("state and strategy disagree on hybrid pruning")
        saved = dict(state["model"])
        own = self.model.state_dict()
        shapes = {n: tuple(t.shape) for n, t in saved.items() if t.is_floating_point()}
        if any(n in own and tuple(own[n].shape) != s for n, s in shapes.items()):
            conform(model=self.model, example_input=self.example_input, shapes=shapes)
        self.model.load_state_dict(saved)
        self.inner.load_state_dict(state["inner"])
        dense = state["prunable_dense"]
        self.prunable_dense = None if dense is None else int(dense)
        if self.hybrid is not None:
            self.hybrid.load_state_dict(state["hybrid"])

    def _scores(
        self, *, rnd: int, before: GlobalModel, after: GlobalModel, updates: Sequence[Update]
    ) -> dict[str, Tensor]:
        if self.source == "client":
            sent = [u for u in updates if u.channel_scores is not None]
            if sent:
                return _weighted_mean(sent)
            log.warning("round %d: no client sent channel scores; the server scores", rnd)
        grads = None
        if self.criterion == "taylor":
            shared = before.params.keys() & after.params.keys()
            grads = {n: before.params[n] - after.params[n] for n in shared}
        return channel_scores(
            model=self.model,
            example_input=self.example_input,
            criterion=self.criterion,
            grads=grads,
            seed=client_seed(seed=self.seed, rnd=rnd, cid=2**31 - 1),  # the server: no client id
        )

    def _plan(self, *, step: int, scores: Mapping[str, Tensor]) -> dict[str, Tensor]:
        from fedprune.profile import count_macs

        k = len(self.rounds)
        if self.ratio is not None:
            per_step = 1.0 - (1.0 - self.ratio) ** (1.0 / k)
            return plan_channels(
                scores=scores, ratio=per_step, scope=self.scope, round_to=self.round_to
            )
        if self.flops_budget is not None:
            goal = self.flops_budget ** (step / k) * self.dense_macs
            now = count_macs(model=self.model, example_input=self.example_input)
            return plan_to_budget(
                model=self.model,
                example_input=self.example_input,
                scores=scores,
                flops_ratio=min(1.0, goal / now),
                scope=self.scope,
                round_to=self.round_to,
            )
        assert self.params_budget is not None  # the constructor checked exactly one is set
        goal = self.params_budget ** (step / k) * self.dense_params
        now = _param_count(self.model)
        return plan_to_budget(
            model=self.model,
            example_input=self.example_input,
            scores=scores,
            params_ratio=min(1.0, goal / now),
            scope=self.scope,
            round_to=self.round_to,
        )


def _asking(instr: Instruction, criterion: str) -> Instruction:
    from dataclasses import replace

    return replace(instr, score_channels=criterion)


def _param_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def _weighted_mean(updates: Sequence[Update]) -> dict[str, Tensor]:
    """Example-weighted mean of the clients' channel scores (each client's scores summed to 1
    first, so no client dominates by the scale of its loss)."""
    total = float(sum(u.num_examples for u in updates))
    out: dict[str, Tensor] = {}
    for u in updates:
        assert u.channel_scores is not None
        for name, s in u.channel_scores.items():
            s = s.to(torch.float64)
            norm = float(s.sum())
            share = s / norm if norm > 0 and math.isfinite(norm) else torch.zeros_like(s)
            out[name] = out.get(name, torch.zeros_like(s)) + share * (u.num_examples / total)
    return out
