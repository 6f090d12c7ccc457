"""Pathological non-IID partitioning: label-sorted shards, a few per client."""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np

from fedprune.data.partition.base import PARTITIONERS, Partitioner, check_partition_args

__all__ = ["ShardsPartitioner"]


@PARTITIONERS.register("shards")
@dataclass(frozen=True)
class ShardsPartitioner(Partitioner):
    """Cut the label-sorted samples into ``num_clients * classes_per_client`` shards.

    McMahan et al. 2017 (https://arxiv.org/abs/1602.05629). Shards never straddle a class
    boundary, so each client, holding ``classes_per_client`` random shards, sees at most that
    many classes. Each class gets shards in proportion to its size (at least one), which needs
    ``num_classes <= num_clients * classes_per_client <= num_samples``.

    Parameters
    ----------
    classes_per_client:
        Shards, hence the most classes, per client; an int >= 1.
    """

    classes_per_client: int

    def __post_init__(self) -> None:
        k = self.classes_per_client
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise ValueError(f"classes_per_client must be an int >= 1, got {k!r}")

    def partition(
        self, *, labels: np.ndarray, num_clients: int, rng: np.random.Generator
    ) -> list[np.ndarray]:
        labels = check_partition_args(labels=labels, num_clients=num_clients)
        by_class = [np.flatnonzero(labels == cls) for cls in np.unique(labels)]
        num_shards = num_clients * self.classes_per_client
        if not len(by_class) <= num_shards <= len(labels):
            raise ValueError(
                f"num_clients * classes_per_client = {num_shards} shards must lie between the "
                f"number of classes ({len(by_class)}) and of samples ({len(labels)})"
            )
        counts = _apportion(sizes=[len(idx) for idx in by_class], total=num_shards)
        shards = [
            shard
            for idx, count in zip(by_class, counts, strict=True)
            for shard in np.array_split(rng.permutation(idx), count)
        ]
        order = rng.permutation(num_shards).reshape(num_clients, self.classes_per_client)
        return [np.sort(np.concatenate([shards[s] for s in row])).astype(np.int64) for row in order]


def _apportion(*, sizes: list[int], total: int) -> list[int]:
    """Give each class >= 1 shard, then each next shard to the class with the largest shards."""
    counts = [1] * len(sizes)
    # Max-heap on current shard size; ties go to the lower class index.
    heap: list[tuple[float, int]] = [(-float(size), cls) for cls, size in enumerate(sizes)]
    heapq.heapify(heap)
    for _ in range(total - len(sizes)):
        _, cls = heapq.heappop(heap)
        counts[cls] += 1
        if counts[cls] < sizes[cls]:
            heapq.heappush(heap, (-sizes[cls] / counts[cls], cls))
    return counts
