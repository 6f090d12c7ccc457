"""Fashion-MNIST (Xiao et al. 2017) from local IDX files, by default the Debian package's copy."""

from __future__ import annotations

from fedprune.data.base import DATASETS, DataSplit
from fedprune.data.idx_split import load_idx_split

__all__ = ["DEFAULT_ROOT", "load_fashion_mnist"]

DEFAULT_ROOT = "/usr/share/datasets/fashion-mnist"


@DATASETS.register("fashion_mnist")
def load_fashion_mnist(*, root: str | None = None) -> DataSplit:
    """Load the 60,000/10,000 Fashion-MNIST split from ``root`` (default ``DEFAULT_ROOT``).

    https://arxiv.org/abs/1708.07747
    """
    return load_idx_split(
        root=DEFAULT_ROOT if root is None else root,
        name="fashion_mnist",
        num_classes=10,
        hint="run `apt-get install dataset-fashion-mnist` or pass root= a directory holding "
        "the Fashion-MNIST IDX files",
    )
