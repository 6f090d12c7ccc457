"""Tests for ArrayDataset, DataSplit and the dataset registry."""

from __future__ import annotations

import numpy as np
import pytest

from fedprune.data import DATASETS, ArrayDataset, DataSplit, load_dataset


def make(n: int = 6, *, num_classes: int = 3, shape: tuple[int, ...] = (1, 2, 2)) -> ArrayDataset:
    x = np.arange(n * int(np.prod(shape)), dtype=np.float32).reshape(n, *shape)
    y = np.arange(n, dtype=np.int64) % num_classes
    return ArrayDataset(x=x, y=y, num_classes=num_classes, name="toy")


def test_subset_picks_matching_rows_and_keeps_metadata():
    data = make()

    part = data.subset(np.array([4, 1]))

    assert len(part) == 2
    np.testing.assert_array_equal(part.x, data.x[[4, 1]])
    np.testing.assert_array_equal(part.y, [1, 1])
    assert (part.num_classes, part.name) == (3, "toy")


@pytest.mark.parametrize(
    ("indices", "message"),
    [
        (np.array([0, 6]), r"indices must lie in \[0, 6\)"),
        (np.array([-1]), r"indices must lie in \[0, 6\)"),
        (np.array([0.0, 1.0]), "indices must be a 1-D integer array"),
        (np.array([[0, 1]]), "indices must be a 1-D integer array"),
    ],
)
def test_subset_rejects_bad_indices(indices, message):
    with pytest.raises(ValueError, match=message):
        make().subset(indices)


def test_subset_with_no_indices_is_empty():
    assert len(make().subset(np.array([], dtype=np.int64))) == 0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"x": np.zeros((6, 4), dtype=np.float64)}, "x must be a float32 .* or int64"),
        ({"x": np.zeros((6, 4), dtype=np.int64)}, "int64 .* need an int vocab_size"),
        ({"x": np.full((6, 4), 9), "vocab_size": 9}, r"token ids must lie in \[0, 9\)"),
        ({"vocab_size": 9}, "vocab_size is only for token-id"),
        ({"x": np.zeros(6, dtype=np.float32)}, "x must have a sample axis"),
        ({"y": np.zeros(6, dtype=np.int32)}, "y must be an int64 numpy array"),
        ({"y": np.zeros((6, 1), dtype=np.int64)}, "y must be one-dimensional"),
        ({"y": np.zeros(5, dtype=np.int64)}, "x and y disagree on the sample count: 6 vs 5"),
        ({"y": np.array([0, 1, 2, 3, 0, 0])}, r"labels must lie in \[0, 3\), got range \[0, 3\]"),
        ({"y": np.array([0, -1, 0, 0, 0, 0])}, r"labels must lie in \[0, 3\)"),
        ({"num_classes": 0}, "num_classes must be >= 1"),
        ({"num_classes": 3.0}, "num_classes must be an int"),
        ({"name": ""}, "name must be a non-empty string"),
    ],
)
def test_array_dataset_validates_on_construction(changes, message):
    fields = {"x": make().x, "y": make().y, "num_classes": 3, "name": "toy"} | changes

    with pytest.raises(ValueError, match=message):
        ArrayDataset(**fields)


def test_data_split_rejects_mismatched_classes_and_shapes():
    train = make()

    with pytest.raises(ValueError, match="num_classes: 3 vs 4"):
        DataSplit(train=train, test=make(num_classes=4))
    with pytest.raises(ValueError, match="sample shape"):
        DataSplit(train=train, test=make(shape=(1, 3, 3)))


def test_registry_holds_the_datasets():
    assert {"cifar10", "digits", "fashion_mnist", "femnist", "mnist", "mnist10k", "wordnet"} <= set(
        DATASETS.names()
    )


def test_load_dataset_passes_options_and_names_unknown_ones():
    split = load_dataset(name="wordnet", options={"limit": 300, "max_len": 8})
    assert split.train.x.shape[1] == 8 and len(split.train) + len(split.test) == 300
    with pytest.raises(ValueError, match=r"takes no option\(s\) \['speakers'\]; its options"):
        load_dataset(name="wordnet", options={"speakers": 3})


def test_load_dataset_unknown_name_lists_allowed_names():
    with pytest.raises(
        ValueError, match="unknown dataset 'cifar'; allowed: cifar10, digits, fashion_mnist"
    ):
        load_dataset(name="cifar")
