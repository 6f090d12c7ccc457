"""Load a train/test split stored as the four standard MNIST-layout IDX files."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from fedprune.data.base import ArrayDataset, DataSplit
from fedprune.data.idx import read_idx

__all__ = ["IDX_STEMS", "find_idx_file", "load_idx_split"]

# Part -> (images file stem, labels file stem); each file may also carry a ".gz" suffix.
IDX_STEMS: dict[str, tuple[str, str]] = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def find_idx_file(*, root: Path, stem: str, hint: str) -> Path:
    """Return ``root/stem`` or ``root/stem.gz``; else raise ``FileNotFoundError`` with ``hint``."""
    for candidate in (root / stem, root / f"{stem}.gz"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"{root / stem}[.gz] not found; {hint}")


def load_idx_split(*, root: str | Path, name: str, num_classes: int, hint: str) -> DataSplit:
    """Read the train and t10k IDX files under ``root`` into a ``DataSplit``.

    Images must be uint8 ``(N, H, W)``; they become float32 ``(N, 1, H, W)`` in ``[0, 1]``.
    ``hint`` is appended to the ``FileNotFoundError`` raised for a missing file.
    """
    root = Path(root)
    parts = {}
    for part, (image_stem, label_stem) in IDX_STEMS.items():
        image_path = find_idx_file(root=root, stem=image_stem, hint=hint)
        label_path = find_idx_file(root=root, stem=label_stem, hint=hint)
        images, labels = read_idx(image_path), read_idx(label_path)
        if images.dtype != np.uint8 or images.ndim != 3:
            raise ValueError(
                f"{image_path}: expected uint8 images of shape (N, H, W), "
                f"got {images.dtype} {images.shape}"
            )
        if labels.dtype != np.uint8 or labels.ndim != 1:
            raise ValueError(
                f"{label_path}: expected uint8 labels of shape (N,), "
                f"got {labels.dtype} {labels.shape}"
            )
        if len(images) != len(labels):
            raise ValueError(
                f"{image_path} holds {len(images)} images but {label_path} "
                f"holds {len(labels)} labels"
            )
        parts[part] = ArrayDataset(
            x=(images[:, None, :, :] / np.float32(255)).astype(np.float32),
            y=labels.astype(np.int64),
            num_classes=num_classes,
            name=name,
        )
    return DataSplit(train=parts["train"], test=parts["test"])
