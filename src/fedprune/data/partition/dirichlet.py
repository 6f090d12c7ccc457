"""Label-skewed partitioning with per-class Dirichlet client proportions."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from fedprune.data.partition.base import PARTITIONERS, Partitioner, check_partition_args

__all__ = ["DirichletPartitioner"]


@PARTITIONERS.register("dirichlet")
@dataclass(frozen=True)
class DirichletPartitioner(Partitioner):
    """Split each class across clients by proportions drawn from ``Dir(alpha)``.

    Follows Hsu et al. 2019 (https://arxiv.org/abs/1909.06335) as implemented for FedMA /
    NIID-Bench (https://arxiv.org/abs/2102.02079): a client already holding its fair share
    ``N / num_clients`` takes no more, and the whole draw is repeated until every client holds
    at least ``min_size`` samples. Small ``alpha`` gives strong label skew; large is near IID.

    Parameters
    ----------
    alpha:
        Dirichlet concentration, finite and > 0.
    min_size:
        Fewest samples any client may end with, >= 0.
    max_retries:
        Draws to attempt before giving up with a ``ValueError``, >= 1.
    """

    alpha: float
    min_size: int = 1
    max_retries: int = 1000

    def __post_init__(self) -> None:
        if isinstance(self.alpha, bool) or not isinstance(self.alpha, (int, float)):
            raise ValueError(f"alpha must be a float > 0, got {self.alpha!r}")
        if not (math.isfinite(self.alpha) and self.alpha > 0):
            raise ValueError(f"alpha must be a finite float > 0, got {self.alpha!r}")
        if isinstance(self.min_size, bool) or not isinstance(self.min_size, int):
            raise ValueError(f"min_size must be an int >= 0, got {self.min_size!r}")
        if self.min_size < 0:
            raise ValueError(f"min_size must be an int >= 0, got {self.min_size}")
        if isinstance(self.max_retries, bool) or not isinstance(self.max_retries, int):
            raise ValueError(f"max_retries must be an int >= 1, got {self.max_retries!r}")
        if self.max_retries < 1:
            raise ValueError(f"max_retries must be an int >= 1, got {self.max_retries}")

    def partition(
        self, *, labels: np.ndarray, num_clients: int, rng: np.random.Generator
    ) -> list[np.ndarray]:
        labels = check_partition_args(labels=labels, num_clients=num_clients)
        if num_clients * self.min_size > len(labels):
            raise ValueError(
                f"min_size={self.min_size} is impossible: {num_clients} clients need "
                f"{num_clients * self.min_size} samples, there are {len(labels)}"
            )
        by_class = [np.flatnonzero(labels == cls) for cls in np.unique(labels)]
        for _ in range(self.max_retries):
            parts = self._draw(by_class=by_class, num_clients=num_clients, rng=rng)
            if min(len(part) for part in parts) >= self.min_size:
                return parts
        raise ValueError(
            f"no draw in max_retries={self.max_retries} gave every one of {num_clients} clients "
            f"min_size={self.min_size} samples at alpha={self.alpha}; raise alpha or max_retries, "
            "or lower min_size or num_clients"
        )

    def _draw(
        self, *, by_class: list[np.ndarray], num_clients: int, rng: np.random.Generator
    ) -> list[np.ndarray]:
        fair_share = sum(len(idx) for idx in by_class) / num_clients
        sizes = np.zeros(num_clients, dtype=np.int64)
        pieces: list[list[np.ndarray]] = [[] for _ in range(num_clients)]
        for idx in by_class:
            idx = rng.permutation(idx)
            open_clients = sizes < fair_share
            weights = rng.dirichlet(np.full(num_clients, float(self.alpha))) * open_clients
            total = weights.sum()
            # Tiny alpha can underflow every open client's weight to zero; share evenly then.
            weights = weights / total if total > 0 else open_clients / open_clients.sum()
            cuts = (np.cumsum(weights) * len(idx)).astype(np.int64)[:-1]
            for client, piece in enumerate(np.split(idx, cuts)):
                pieces[client].append(piece)
                sizes[client] += len(piece)
        return [np.sort(np.concatenate(p)).astype(np.int64) for p in pieces]
