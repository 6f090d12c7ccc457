"""Full MNIST (LeCun et al. 1998) from local IDX files; there is no default location."""

from __future__ import annotations

from fedprune.data.base import DATASETS, DataSplit
from fedprune.data.idx_split import load_idx_split

__all__ = ["load_mnist"]


@DATASETS.register("mnist")
def load_mnist(*, root: str | None = None) -> DataSplit:
    """Load the 60,000/10,000 MNIST split from the IDX files in ``root``.

    For an offline MNIST subset that ships with the package, use ``"mnist10k"``.
    """
    if root is None:
        raise ValueError(
            "root is required for dataset 'mnist': pass a directory holding the MNIST IDX files "
            "(train-images-idx3-ubyte[.gz], ...), or use the embedded 'mnist10k'"
        )
    return load_idx_split(
        root=root,
        name="mnist",
        num_classes=10,
        hint="pass root= a directory holding the MNIST IDX files",
    )
