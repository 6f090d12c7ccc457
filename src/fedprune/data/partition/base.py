"""The ``Partitioner`` interface that splits sample indices across federated clients."""

from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from typing import Any

import numpy as np

from fedprune.registry import Registry

__all__ = ["PARTITIONERS", "Partitioner", "check_partition_args", "make_partitioner"]


class Partitioner(ABC):
    """Splits a dataset's sample indices into one disjoint index array per client."""

    @abstractmethod
    def partition(
        self, *, labels: np.ndarray, num_clients: int, rng: np.random.Generator
    ) -> list[np.ndarray]:
        """Assign every index of ``labels`` to exactly one of ``num_clients`` clients.

        Returns
        -------
        list of np.ndarray
            ``num_clients`` sorted int64 index arrays; the same ``rng`` state gives the same result.
        """


PARTITIONERS: Registry[type[Partitioner]] = Registry("partitioner")


def make_partitioner(*, name: str, **params: Any) -> Partitioner:
    """Build the partitioner registered as ``name`` from its keyword parameters.

    Raises
    ------
    ValueError
        If ``name`` is unknown, a parameter is unknown or missing, or a value is out of range.
    """
    cls = PARTITIONERS.get(name)
    accepted = inspect.signature(cls).parameters
    unknown = sorted(set(params) - set(accepted))
    missing = [key for key, p in accepted.items() if p.default is p.empty and key not in params]
    if unknown or missing:
        allowed = ", ".join(accepted) or "none"
        raise ValueError(
            f"partitioner {name!r}: unknown parameters {unknown}, missing parameters {missing}; "
            f"allowed: {allowed}"
        )
    return cls(**params)


def check_partition_args(*, labels: np.ndarray, num_clients: int) -> np.ndarray:
    """Validate the common ``partition`` arguments and return ``labels`` as a 1-D array."""
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"labels must be one-dimensional, got shape {labels.shape}")
    if isinstance(num_clients, bool) or not isinstance(num_clients, (int, np.integer)):
        raise ValueError(f"num_clients must be an int, got {num_clients!r}")
    if num_clients < 1:
        raise ValueError(f"num_clients must be >= 1, got {num_clients}")
    if num_clients > len(labels):
        raise ValueError(
            f"num_clients ({num_clients}) must not exceed the number of samples ({len(labels)})"
        )
    return labels
