"""Datasets, their registry, and partitioners that split them across federated clients."""

# Imported for their registrations in DATASETS.
from fedprune.data import (  # noqa: F401
    cifar10,
    digits,
    fashion_mnist,
    femnist,
    mnist,
    mnist10k,
    speech,
    wordnet,
)
from fedprune.data.base import DATASETS, ArrayDataset, DataSplit, load_dataset
from fedprune.data.folds import split_fold
from fedprune.data.idx import read_idx
from fedprune.data.partition import (
    PARTITIONERS,
    DirichletPartitioner,
    IIDPartitioner,
    NaturalPartitioner,
    Partitioner,
    ShardsPartitioner,
    make_partitioner,
    split_validation,
)

__all__ = [
    "DATASETS",
    "PARTITIONERS",
    "ArrayDataset",
    "DataSplit",
    "DirichletPartitioner",
    "IIDPartitioner",
    "NaturalPartitioner",
    "Partitioner",
    "ShardsPartitioner",
    "load_dataset",
    "make_partitioner",
    "read_idx",
    "split_fold",
    "split_validation",
]
