"""HeteroFL: clients of weaker tiers train width-scaled submodels of one global model."""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
import torch
from torch import Tensor, nn

from fedprune.messages import GlobalModel, Instruction, Update
from fedprune.prune.mask import apply_masks
from fedprune.prune.structured import apply_plan, channel_groups
from fedprune.strategy.base import STRATEGIES
from fedprune.strategy.fedavg import FedAvg


@STRATEGIES.register("heterofl")
class HeteroFL(FedAvg):
    """Each client is given a fixed width rate ``r`` from ``widths`` (drawn once from the seed
    with ``width_shares``, HeteroFL's "fix" mode) and receives the submodel that keeps the first
    ``ceil(r * C)`` channels of every hidden channel group (conv channels, hidden neurons,
    attention heads; inputs and the classifier's outputs keep their size). The server averages
    every entry over the clients whose submodel holds it, example-weighted, and keeps the
    global value where none does (Diao et al. 2021, https://arxiv.org/abs/2010.01264; the
    FjORD-style nested widths of Horváth et al. 2021, https://arxiv.org/abs/2102.13451).

    Submodels are cut with the structured-pruning machinery (``apply_plan`` index maps), so
    they are physically smaller: fewer bytes, fewer MACs on the weak client. The static
    per-layer scalers of the paper are not applied (this model family uses no dropout-like
    rescaling; BatchNorm statistics travel with each submodel as in the paper's sBN variant).
    """

    config_keys: ClassVar[tuple[str, ...]] = ("federation.widths", "federation.width_shares")

    def __init__(
        self,
        *,
        instruction: Instruction,
        model: nn.Module,
        example_input: Tensor,
        widths: Sequence[float] = (1.0, 0.5, 0.25, 0.125, 0.0625),
        width_shares: Sequence[float] | None = None,
        seed: int = 0,
        aggregator: str = "mean",
        aggregator_options: Mapping[str, Any] | None = None,
        lr_decay: float = 1.0,
    ) -> None:
        if aggregator != "mean":
            raise ValueError(
                f"heterofl averages each entry over the clients that hold it; aggregator "
                f"{aggregator!r} is not supported, use 'mean'"
            )
        super().__init__(instruction=instruction, lr_decay=lr_decay)
        shares = [1.0] * len(widths) if width_shares is None else list(width_shares)
        if not widths or any(not 0 < w <= 1 for w in widths):
            raise ValueError(f"widths must be in (0, 1], got {list(widths)}")
        if len(shares) != len(widths) or any(s < 0 for s in shares) or sum(shares) <= 0:
            raise ValueError(f"width_shares must be {len(widths)} weights >= 0, got {shares}")
        self.widths = [float(w) for w in widths]
        self.shares = np.asarray(shares, dtype=np.float64) / sum(shares)
        self.model, self.example_input, self.seed = copy.deepcopy(model), example_input, seed
        self._maps: dict[float, dict[str, Tensor] | None] = {}
        self._views_of: GlobalModel | None = None
        self._views: dict[float, GlobalModel] = {}

    def width_of(self, cid: int) -> float:
        """Client ``cid``'s width rate: fixed for the run, from the seed alone."""
        rng = np.random.default_rng([self.seed, cid, 0x4E7F])
        return self.widths[int(rng.choice(len(self.widths), p=self.shares))]

    def maps_for(self, width: float) -> dict[str, Tensor] | None:
        """Index maps of the width-``width`` submodel into the full model (``None``: full)."""
        if width not in self._maps:
            groups = channel_groups(model=self.model, example_input=self.example_input)
            plan = {k: torch.arange(max(1, math.ceil(width * c)), c) for k, c in groups.items()}
            if not any(len(p) for p in plan.values()):
                self._maps[width] = None
            else:
                sub = copy.deepcopy(self.model)
                self._maps[width] = apply_plan(
                    model=sub, example_input=self.example_input, plan=plan
                )
        return self._maps[width]

    def client_view(self, *, cid: int, model: GlobalModel) -> GlobalModel:
        # one submodel object per width and global model, so the server encodes each width's
        # downlink once (it groups clients by the view they share), not once per client
        if self._views_of is not model:
            self._views_of, self._views = model, {}
        width = self.width_of(cid)
        if width not in self._views:
            maps = self.maps_for(width)
            self._views[width] = (
                model
                if maps is None
                else GlobalModel(
                    params={n: t.reshape(-1)[maps[n]].clone() for n, t in model.params.items()},
                    masks={n: m.reshape(-1)[maps[n]].clone() for n, m in model.masks.items()},
                )
            )
        return self._views[width]

    def aggregate(self, *, rnd: int, model: GlobalModel, updates: Sequence[Update]) -> GlobalModel:
        acc = {n: torch.zeros(t.numel(), dtype=torch.float64) for n, t in model.params.items()}
        cover = {n: torch.zeros(t.numel(), dtype=torch.float64) for n, t in model.params.items()}
        for u in updates:
            maps = self.maps_for(self.width_of(u.cid))
            w = float(u.num_examples)
            for name, value in u.params.items():
                idx = maps[name].reshape(-1) if maps is not None else torch.arange(value.numel())
                acc[name].index_add_(0, idx, value.reshape(-1).to(torch.float64) * w)
                cover[name].index_add_(0, idx, torch.full((idx.numel(),), w, dtype=torch.float64))
        params = {}
        for name, t in model.params.items():
            held = cover[name] > 0
            mean = acc[name] / cover[name].clamp(min=1e-300)
            flat = torch.where(held, mean, t.reshape(-1).to(torch.float64))
            params[name] = flat.to(t.dtype).reshape(t.shape)
        masks = {n: m.clone() for n, m in model.masks.items()}
        apply_masks(params, masks)
        return GlobalModel(params=params, masks=masks)
