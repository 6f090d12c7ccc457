"""scikit-learn's bundled 8x8 handwritten digits (UCI optdigits test set), offline."""

from __future__ import annotations

import numpy as np
from sklearn.datasets import load_digits as _sklearn_digits

from fedprune.data.base import DATASETS, ArrayDataset, DataSplit
from fedprune.data.holdout import stratified_holdout

__all__ = ["SPLIT_SEED", "TEST_FRACTION", "load_digits"]

# Fixed on purpose: the test split must not move with the experiment seed.
SPLIT_SEED = 1_797
TEST_FRACTION = 0.2


@DATASETS.register("digits")
def load_digits(*, root: str | None = None) -> DataSplit:
    """Load the 1,797 digits as float32 ``(N, 1, 8, 8)`` in ``[0, 1]`` with a fixed 20% test split.

    ``root`` is ignored: the data ship with scikit-learn.
    """
    bunch = _sklearn_digits()
    images = (np.asarray(bunch.images, dtype=np.float32) / np.float32(16))[:, None, :, :]
    labels = np.asarray(bunch.target, dtype=np.int64)
    train, test = stratified_holdout(
        labels=labels, test_size=round(TEST_FRACTION * len(labels)), seed=SPLIT_SEED
    )
    full = ArrayDataset(x=images, y=labels, num_classes=10, name="digits")
    return DataSplit(train=full.subset(train), test=full.subset(test))
