"""FedDST: federated dynamic sparse training, clients prune and regrow, the server keeps the
density fixed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import torch
from torch import Tensor

from fedprune.messages import GlobalModel, Instruction, Update
from fedprune.prune.regrow import cosine_fraction
from fedprune.strategy.base import Strategy


class FedDST(Strategy):
    """Every ``every`` rounds the clients readjust their masks (RigL's prune-and-regrow on their
    own gradients, a cosine-annealed fraction ``alpha``, then ``regrow_epochs`` more local
    training so grown weights learn before upload); the server keeps an entry the global mask
    had pruned when at least ``min_votes`` clients grew it, averages it over those clients, and
    then drops the smallest weights of each tensor until it has as many as before, so the
    density never moves (Bibikar et al. 2022, https://arxiv.org/abs/2112.09824).

    Wraps the pruning strategy that sets the density (e.g. server-side one-shot pruning, whose
    target is then held; readjustments start after its schedule ends, so each keeps the count
    of the mask before it); between readjustments it only passes through. The inner aggregate
    (mask-aware: ``masked_mean``) averages the entries the global mask keeps; this wrapper adds
    the grown ones, so entries every client dropped are replaced, not lost.
    """

    def __init__(
        self,
        *,
        inner: Strategy,
        alpha: float,
        every: int,
        start_round: int,
        end_round: int,
        min_votes: int = 1,
        regrow_epochs: int = 1,
    ) -> None:
        if not 0 < alpha <= 1 or every < 1 or min_votes < 1 or regrow_epochs < 0:
            raise ValueError(
                "need 0 < alpha <= 1, every >= 1, min_votes >= 1, regrow_epochs >= 0; got "
                f"{alpha}, {every}, {min_votes}, {regrow_epochs}"
            )
        self.inner, self.alpha, self.every = inner, alpha, every
        self.start_round, self.end_round = start_round, end_round
        self.min_votes, self.regrow_epochs = min_votes, regrow_epochs

    def fraction(self, rnd: int) -> float:
        """The swap fraction asked of the clients in round ``rnd`` (0: no readjustment)."""
        if rnd < self.start_round or (rnd - self.start_round) % self.every:
            return 0.0
        return cosine_fraction(alpha=self.alpha, rnd=rnd, end_round=self.end_round)

    def configure_round(
        self, *, rnd: int, model: GlobalModel, clients: Sequence[int]
    ) -> dict[int, Instruction]:
        plan = self.inner.configure_round(rnd=rnd, model=model, clients=clients)
        f = self.fraction(rnd)
        if f == 0.0:
            return plan
        return {c: replace(i, regrow=f, regrow_epochs=self.regrow_epochs) for c, i in plan.items()}

    def aggregate(self, *, rnd: int, model: GlobalModel, updates: Sequence[Update]) -> GlobalModel:
        new = self.inner.aggregate(rnd=rnd, model=model, updates=updates)
        if self.fraction(rnd) == 0.0 or not updates:
            return new
        params, masks = dict(new.params), dict(new.masks)
        for name, kept in new.masks.items():
            before = model.masks[name]
            grown, value = grown_entries(name=name, before=before, updates=updates)
            grown &= _votes(name, before, updates) >= self.min_votes
            union = kept | grown
            merged = torch.where(grown, value.to(params[name].dtype), params[name])
            masks[name] = keep_largest(values=merged, mask=union, count=int(before.sum()))
            params[name] = merged * masks[name]
        return GlobalModel(params=params, masks=masks)


def grown_entries(*, name: str, before: Tensor, updates: Sequence[Update]) -> tuple[Tensor, Tensor]:
    """Entries some client kept that ``before`` pruned, and their example-weighted mean over
    the clients that kept them (0 elsewhere)."""
    acc = torch.zeros(before.shape, dtype=torch.float64)
    weight = torch.zeros_like(acc)
    for u in updates:
        new = u.masks[name] & ~before
        w = float(u.num_examples)
        acc += new * u.params[name].to(torch.float64) * w
        weight += new * w
    grown = weight > 0
    return grown, torch.where(grown, acc / weight.clamp(min=1e-300), torch.zeros_like(acc))


def _votes(name: str, before: Tensor, updates: Sequence[Update]) -> Tensor:
    return torch.stack([u.masks[name] & ~before for u in updates]).sum(0)


def keep_largest(*, values: Tensor, mask: Tensor, count: int) -> Tensor:
    """The ``count`` entries of ``mask`` with the largest ``|values|`` (ties: lower index)."""
    score = values.detach().reshape(-1).abs().to(torch.float64)
    score[~mask.reshape(-1)] = -1.0
    order = torch.sort(-score, stable=True).indices[: min(count, int(mask.sum()))]
    out = torch.zeros(mask.numel(), dtype=torch.bool)
    out[order] = True
    return out.reshape(mask.shape)
