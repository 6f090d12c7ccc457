"""Gaussian Thompson sampling: play the arm whose sampled mean is highest."""

from __future__ import annotations

import math

import numpy as np

from fedprune.bandit.base import POLICIES, Policy


@POLICIES.register("thompson")
class Thompson(Policy):
    """Thompson sampling with a Gaussian posterior per arm (Agrawal & Goyal 2013,
    https://arxiv.org/abs/1209.3353): mean ~ N(discounted mean, s^2 / (n_a + 1)), ``s`` the
    discounted standard deviation of all rewards seen; an arm never played samples from
    N(0, s^2 + 1) so it is tried early. Draws come from the policy's seeded generator.
    """

    def select(self) -> int:
        total = float(self.counts.sum())
        if total == 0:
            return int(self.rng.integers(self.arms))
        pooled = float(self.sums.sum() / total)
        var = max(float(self.squares.sum() / total) - pooled * pooled, 1e-24)
        scale = np.where(self.counts > 0, np.sqrt(var / (self.counts + 1.0)), math.sqrt(var + 1))
        draws = self.rng.normal(self.means(), scale)
        return int(np.argmax(draws))
