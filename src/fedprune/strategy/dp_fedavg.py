"""Central differential privacy for any strategy: DP-FedAvg with optional adaptive clipping."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch

from fedprune.messages import GlobalModel, Instruction, Update
from fedprune.privacy import (
    Accountant,
    add_gaussian_noise,
    clip_update,
    update_clip_bound,
    update_noise_multiplier,
)
from fedprune.strategy.base import Strategy


class CentralDP(Strategy):
    """DP-FedAvg (McMahan et al. 2018, https://arxiv.org/abs/1710.06963) around a strategy.

    Each client's update ``x_i - x`` is clipped to L2 norm ``clip``; the clipped updates are
    summed with equal weights and divided by the expected number of clients a round (a fixed
    denominator, so one client's influence is bounded by ``clip / expected_clients``); Gaussian
    noise of std ``noise_multiplier * clip / expected_clients`` is added to every coordinate the
    global mask keeps (pruned coordinates are public and stay zero). The noisy mean becomes one
    update for the wrapped strategy, so FedAvg, FedOpt's server optimisers and mask-aware
    aggregators all run on privatised data. With ``adaptive`` the bound follows the
    ``target_quantile`` of the update norms (Andrew et al. 2021), the clipped count being
    noised with std ``count_noise`` and the update noise raised so the pair costs what one query
    of ``noise_multiplier`` costs. The accountant records one subsampled Gaussian step a round;
    ``epsilon`` is what has been spent at the accountant's delta.
    """

    def __init__(
        self,
        *,
        inner: Strategy,
        clip: float,
        noise_multiplier: float,
        expected_clients: int,
        sample_rate: float,
        accountant: Accountant,
        seed: int = 0,
        adaptive: bool = False,
        target_quantile: float = 0.5,
        clip_lr: float = 0.2,
        count_noise: float | None = None,
    ) -> None:
        if expected_clients < 1:
            raise ValueError(f"expected_clients must be >= 1, got {expected_clients}")
        if not 0 < sample_rate <= 1:
            raise ValueError(f"sample_rate must be in (0, 1], got {sample_rate}")
        self.inner, self.clip, self.noise_multiplier = inner, clip, noise_multiplier
        self.expected_clients, self.sample_rate = expected_clients, sample_rate
        self.accountant, self.seed = accountant, seed
        self.adaptive, self.target_quantile, self.clip_lr = adaptive, target_quantile, clip_lr
        # Andrew et al. use expected/20; at least the noise multiplier, so the split is valid
        default = max(expected_clients / 20, noise_multiplier)
        self.count_noise = count_noise if count_noise is not None else default
        self.update_noise = (
            update_noise_multiplier(noise_multiplier=noise_multiplier, count_noise=self.count_noise)
            if adaptive and noise_multiplier > 0
            else noise_multiplier
        )
        self.epsilon = 0.0
        self.last: dict[str, float] = {}

    def configure_round(
        self, *, rnd: int, model: GlobalModel, clients: Sequence[int]
    ) -> dict[int, Instruction]:
        return self.inner.configure_round(rnd=rnd, model=model, clients=clients)

    def aggregate(self, *, rnd: int, model: GlobalModel, updates: Sequence[Update]) -> GlobalModel:
        gen = torch.Generator().manual_seed(
            int(np.random.SeedSequence([self.seed, rnd, 0xD1FF]).generate_state(1)[0])
        )
        total = {n: torch.zeros_like(t, dtype=torch.float64) for n, t in model.params.items()}
        within = 0
        for u in updates:
            delta = {n: u.params[n].double() - t.double() for n, t in model.params.items()}
            clipped, norm = clip_update(delta=delta, bound=self.clip)
            within += norm <= self.clip
            for n, t in clipped.items():
                total[n] += t
        n_exp = self.expected_clients
        mean = {n: t / n_exp for n, t in total.items()}
        noisy = add_gaussian_noise(
            tensors=mean,
            std=self.update_noise * self.clip / n_exp,
            generator=gen,
            masks=model.masks,
        )
        private = Update(
            cid=-1,
            num_examples=1,
            params={
                n: (model.params[n].double() + noisy[n]).to(t.dtype)
                for n, t in model.params.items()
            },
            masks={n: m.clone() for n, m in model.masks.items()},
        )
        new = self.inner.aggregate(rnd=rnd, model=model, updates=[private])
        self.last = {"clip": self.clip, "clipped_fraction": 1 - within / max(len(updates), 1)}
        if self.adaptive:
            noisy_count = within + float(torch.randn((), generator=gen)) * self.count_noise
            self.clip = update_clip_bound(
                bound=self.clip,
                noisy_fraction=noisy_count / n_exp,
                target_quantile=self.target_quantile,
                lr=self.clip_lr,
            )
        self.epsilon = self.accountant.spend(
            noise_multiplier=self.noise_multiplier, sample_rate=self.sample_rate
        )
        return new

    def state_dict(self) -> dict[str, Any]:
        """The wrapped strategy's state, the (adaptive) clip bound, epsilon and the accountant."""
        return {
            "inner": self.inner.state_dict(),
            "clip": self.clip,
            "epsilon": self.epsilon,
            "accountant": self.accountant.state_dict(),
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore ``state_dict()``."""
        expected = {"inner", "clip", "epsilon", "accountant"}
        if set(state) != expected:
            raise ValueError(
                f"CentralDP: state has keys {sorted(state)}, expected {sorted(expected)}"
            )
        self.inner.load_state_dict(state["inner"])
        self.clip, self.epsilon = float(state["clip"]), float(state["epsilon"])
        self.accountant.load_state_dict(state["accountant"])
