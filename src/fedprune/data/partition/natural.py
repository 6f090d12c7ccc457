"""Natural partitioning: each client holds the samples of one source, such as one writer."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fedprune.data.partition.base import PARTITIONERS, Partitioner, check_partition_args

__all__ = ["NaturalPartitioner"]


@PARTITIONERS.register("natural")
@dataclass(frozen=True)
class NaturalPartitioner(Partitioner):
    """Give each client all samples of one group (e.g. one FEMNIST writer), as in LEAF.

    With as many clients as groups, client ``i`` holds the ``i``-th group in id order. With
    fewer clients, ``num_clients`` groups are drawn without replacement from ``rng`` (clients in
    group-id order) and the other groups' samples are left out, so clients keep their natural
    size. More clients than groups is an error. https://arxiv.org/abs/1812.01097
    """

    def partition(
        self,
        *,
        labels: np.ndarray,
        num_clients: int,
        rng: np.random.Generator,
        groups: np.ndarray | None = None,
    ) -> list[np.ndarray]:
        labels = check_partition_args(labels=labels, num_clients=num_clients)
        if groups is None:
            raise ValueError(
                "partition 'natural' needs each sample's group (e.g. its writer), and this "
                "dataset has none; use a dataset with natural groups such as 'femnist', or "
                "another partition (iid, dirichlet, shards)"
            )
        groups = np.asarray(groups)
        if groups.shape != labels.shape or not np.issubdtype(groups.dtype, np.integer):
            raise ValueError(
                f"groups must be an integer array of shape {labels.shape}, "
                f"got {groups.dtype} array of shape {groups.shape}"
            )
        order = np.argsort(groups, kind="stable")
        ids, starts = np.unique(groups[order], return_index=True)
        if num_clients > len(ids):
            raise ValueError(
                f"num_clients ({num_clients}) exceeds the {len(ids)} natural groups (writers) "
                "of the data; partition 'natural' gives each client exactly one"
            )
        # A stable sort keeps each group's indices ascending, so every part comes out sorted.
        parts = np.split(order.astype(np.int64), starts[1:])
        if num_clients == len(ids):
            return parts
        chosen = np.sort(rng.choice(len(ids), size=num_clients, replace=False))
        return [parts[i] for i in chosen]
