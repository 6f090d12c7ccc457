"""IID partitioning: a uniform shuffle cut into near-equal parts."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fedprune.data.partition.base import PARTITIONERS, Partitioner, check_partition_args

__all__ = ["IIDPartitioner"]


@PARTITIONERS.register("iid")
@dataclass(frozen=True)
class IIDPartitioner(Partitioner):
    """Shuffle all indices and split them so client sizes differ by at most one."""

    def partition(
        self, *, labels: np.ndarray, num_clients: int, rng: np.random.Generator
    ) -> list[np.ndarray]:
        labels = check_partition_args(labels=labels, num_clients=num_clients)
        order = rng.permutation(len(labels)).astype(np.int64)
        return [np.sort(part) for part in np.array_split(order, num_clients)]
