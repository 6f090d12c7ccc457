"""Discounted UCB: play the arm with the highest mean plus exploration bonus."""

from __future__ import annotations

import math

import numpy as np

from fedprune.bandit.base import POLICIES, Policy


@POLICIES.register("ucb")
class UCB(Policy):
    """UCB1 on discounted statistics (Auer et al. 2002, https://doi.org/10.1023/A:1013689704352;
    discounted as in Garivier & Moulines 2011). Every arm is played once first, lowest index
    first; then ``argmax mean + c * sqrt(2 ln n / n_a)`` with ``c`` the scale of the rewards
    seen (their discounted standard deviation), so the bonus needs no hand-set reward range.
    Ties go to the lower arm: deterministic.
    """

    def select(self) -> int:
        unplayed = np.flatnonzero(self.counts == 0)
        if unplayed.size:
            return int(unplayed[0])
        total = float(self.counts.sum())
        mean = self.means()
        pooled = float(self.sums.sum() / total)
        spread = math.sqrt(max(float(self.squares.sum() / total) - pooled * pooled, 1e-24))
        bonus = spread * np.sqrt(2.0 * math.log(max(total, 1.0 + 1e-9)) / self.counts)
        return int(np.argmax(mean + bonus))
