"""Partitioners that split a dataset across federated clients, and per-client validation splits."""

from fedprune.data.partition.base import (
    PARTITIONERS,
    Partitioner,
    check_partition_args,
    make_partitioner,
)
from fedprune.data.partition.dirichlet import DirichletPartitioner
from fedprune.data.partition.iid import IIDPartitioner
from fedprune.data.partition.natural import NaturalPartitioner
from fedprune.data.partition.shards import ShardsPartitioner
from fedprune.data.partition.validation import split_validation

__all__ = [
    "PARTITIONERS",
    "DirichletPartitioner",
    "IIDPartitioner",
    "NaturalPartitioner",
    "Partitioner",
    "ShardsPartitioner",
    "check_partition_args",
    "make_partitioner",
    "split_validation",
]
