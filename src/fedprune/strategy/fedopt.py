"""FedOpt: FedAvg whose aggregate becomes a pseudo-gradient for a stateful server optimiser."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import torch
from torch import Tensor

from fedprune.messages import GlobalModel, Update
from fedprune.prune.mask import apply_masks
from fedprune.strategy.fedavg import FedAvg
from fedprune.strategy.fold import Fold, Then
from fedprune.strategy.serveropt_math import Step


class FedOpt(FedAvg):
    """Server optimisation on top of FedAvg (Reddi et al. 2021, https://arxiv.org/abs/2003.00295).

    Each round the aggregate ``x_agg`` of the client models gives the pseudo-gradient
    ``delta = x_agg - x`` and the global model becomes ``x + rule(delta)``, where ``rule`` (a
    pure function of ``serveropt_math``) also updates the moments kept here. Only floating-point
    tensors are optimised; others take the aggregate. Moments of entries pruned in the global
    mask are zeroed before each step, so a pruned entry gets a zero step and stays exactly zero,
    and a regrown one starts from fresh moments. The moments and step count round-trip through
    ``state_dict()``/``load_state_dict()``.
    """

    slots: ClassVar[tuple[str, ...]] = ("m", "v")
    """Names of the per-tensor moments the rule keeps."""

    def __init__(self, **fedavg: Any) -> None:
        super().__init__(**fedavg)
        self.steps = 0
        self.moments: dict[str, dict[str, Tensor]] = {s: {} for s in self.slots}

    @abstractmethod
    def rule(self, *, delta: Tensor, moments: Mapping[str, Tensor]) -> Step:
        """The server step for one tensor from its ``moments`` (one per slot).

        ``self.steps`` already counts this round.
        """

    def aggregate(self, *, rnd: int, model: GlobalModel, updates: Sequence[Update]) -> GlobalModel:
        return self._server_step(model, super().aggregate(rnd=rnd, model=model, updates=updates))

    def stream(self, *, rnd: int, model: GlobalModel) -> Fold | None:
        """FedAvg's streamed mean, then the server step."""
        if type(self).aggregate is not FedOpt.aggregate:
            return None
        mean = self._mean_fold(model)
        return None if mean is None else Then(mean, lambda avg: self._server_step(model, avg))

    def _server_step(self, model: GlobalModel, avg: GlobalModel) -> GlobalModel:
        self.steps += 1
        params: dict[str, Tensor] = {}
        for name, x in model.params.items():
            target = avg.params[name]
            if not x.is_floating_point():
                params[name] = target
                continue
            keep = avg.masks.get(name)
            state = {s: self._moment(s, name, x, keep) for s in self.slots}
            out = self.rule(delta=target - x, moments=state)
            params[name] = (x + out.step).to(x.dtype)
            self.moments["m"][name] = out.m
            if "v" in self.slots and out.v is not None:
                self.moments["v"][name] = out.v
        apply_masks(params, avg.masks)
        return GlobalModel(params=params, masks=avg.masks)

    def _moment(self, slot: str, name: str, like: Tensor, keep: Tensor | None) -> Tensor:
        cur = self.moments[slot].get(name)
        if cur is None or cur.shape != like.shape:
            return torch.zeros_like(like)
        return cur if keep is None else cur * keep

    def remap(self, *, maps: Mapping[str, Tensor]) -> None:
        """Slice every moment to the model's new structure, so none is reset by a shape change."""
        for slot in self.moments.values():
            for name, t in slot.items():
                if name in maps:
                    slot[name] = t.reshape(-1)[maps[name]].clone()

    def state_dict(self) -> dict[str, Any]:
        """The step count and a copy of every moment tensor."""
        return {
            "steps": self.steps,
            **{s: {n: t.clone() for n, t in self.moments[s].items()} for s in self.slots},
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore what ``state_dict()`` returned (the tensors are copied)."""
        expected = {"steps", *self.slots}
        if set(state) != expected:
            raise ValueError(f"state has keys {sorted(state)}, expected {sorted(expected)}")
        self.steps = int(state["steps"])
        self.moments = {s: {n: t.clone() for n, t in state[s].items()} for s in self.slots}


class AdaptiveFedOpt(FedOpt):
    """Shared hyper-parameters of the adaptive rules with two moments (FedAdam, FedYogi):
    server learning rate, ``beta1``, ``beta2`` and the adaptivity ``tau``."""

    config_keys: ClassVar[tuple[str, ...]] = (
        "federation.server_lr",
        "federation.beta1",
        "federation.beta2",
        "federation.tau",
    )

    def __init__(
        self,
        *,
        server_lr: float = 0.01,
        beta1: float = 0.9,
        beta2: float = 0.99,
        tau: float = 1e-3,
        **fedavg: Any,
    ) -> None:
        super().__init__(**fedavg)
        self.server_lr = check_positive("server_lr", server_lr)
        self.beta1, self.beta2 = check_decay("beta1", beta1), check_decay("beta2", beta2)
        self.tau = check_positive("tau", tau)


def check_positive(name: str, value: float) -> float:
    """``value`` if it is > 0, else a ``ValueError`` naming ``name``."""
    if not value > 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    return value


def check_decay(name: str, value: float) -> float:
    """``value`` if it is in [0, 1), else a ``ValueError`` naming ``name``."""
    if not 0 <= value < 1:
        raise ValueError(f"{name} must be in [0, 1), got {value}")
    return value
