"""CIFAR-10 (Krizhevsky 2009) from the official binary-version batch files in a local folder."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from fedprune.data.base import DATASETS, ArrayDataset, DataSplit

__all__ = ["BINARY_URL", "RECORD_BYTES", "load_cifar10", "read_cifar_batch"]

BINARY_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"
NUM_CLASSES = 10
IMAGE_SHAPE = (3, 32, 32)
# One label byte, then 1024 red, 1024 green and 1024 blue bytes, each plane row-major.
RECORD_BYTES = 1 + 3 * 32 * 32
TRAIN_FILES = tuple(f"data_batch_{i}.bin" for i in range(1, 6))
TEST_FILES = ("test_batch.bin",)
# Folder names inside the official archives.
BINARY_DIR = "cifar-10-batches-bin"
PYTHON_DIR = "cifar-10-batches-py"


@DATASETS.register("cifar10")
def load_cifar10(*, root: str | None = None) -> DataSplit:
    """Load the 50,000/10,000 CIFAR-10 split from the binary-version files under ``root``.

    ``root`` holds ``data_batch_1.bin`` ... ``data_batch_5.bin`` and ``test_batch.bin``, directly
    or in the archive's ``cifar-10-batches-bin/`` folder. Images become float32
    ``(N, 3, 32, 32)`` in ``[0, 1]``. The python version (pickles) is refused: unpickling a file
    can run arbitrary code. https://www.cs.toronto.edu/~kriz/learning-features-2009-TR.pdf
    """
    if root is None:
        raise ValueError(
            "root is required for dataset 'cifar10': pass a directory holding the CIFAR-10 "
            f"binary version (data_batch_1.bin ... test_batch.bin, from {BINARY_URL})"
        )
    folder = _find_folder(Path(root))
    return DataSplit(train=_read_part(folder, TRAIN_FILES), test=_read_part(folder, TEST_FILES))


def read_cifar_batch(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """Read one binary-version batch file into uint8 images ``(N, 3, 32, 32)`` and labels ``(N,)``.

    Raises
    ------
    ValueError
        If the file is empty, its size is not a multiple of the 3073-byte record, or a label
        is not below 10. The message names the file.
    """
    path = Path(path)
    data = np.fromfile(path, dtype=np.uint8)
    if data.size == 0 or data.size % RECORD_BYTES:
        raise ValueError(
            f"{path}: {data.size} bytes is not a positive multiple of the {RECORD_BYTES}-byte "
            "CIFAR-10 record (1 label byte + 3072 pixel bytes); the file is truncated or not "
            "a binary-version batch"
        )
    records = data.reshape(-1, RECORD_BYTES)
    labels = records[:, 0]
    bad = np.flatnonzero(labels >= NUM_CLASSES)
    if bad.size:
        raise ValueError(
            f"{path}: record {bad[0]} has label {labels[bad[0]]}; CIFAR-10 labels lie in "
            f"[0, {NUM_CLASSES})"
        )
    return records[:, 1:].reshape(-1, *IMAGE_SHAPE), labels


def _find_folder(root: Path) -> Path:
    for folder in (root, root / BINARY_DIR):
        if all((folder / name).is_file() for name in TRAIN_FILES + TEST_FILES):
            return folder
    for folder in (root, root / PYTHON_DIR):
        if (folder / "data_batch_1").is_file() or (folder / "test_batch").is_file():
            raise ValueError(
                f"{folder} holds the CIFAR-10 python version, whose batches are pickles; "
                "fedprune does not unpickle files, since loading a pickle can run arbitrary "
                f"code. Download the binary version ({BINARY_URL}), extract it and pass root= "
                f"the folder holding data_batch_1.bin ... test_batch.bin"
            )
    missing = [name for name in TRAIN_FILES + TEST_FILES if not (root / name).is_file()]
    raise FileNotFoundError(
        f"{root}: missing CIFAR-10 binary files {missing} (also looked in {root / BINARY_DIR}); "
        f"pass root= a directory holding the binary version from {BINARY_URL}"
    )


def _read_part(folder: Path, names: tuple[str, ...]) -> ArrayDataset:
    batches = [read_cifar_batch(folder / name) for name in names]
    images = np.concatenate([images for images, _ in batches])
    labels = np.concatenate([labels for _, labels in batches])
    return ArrayDataset(
        x=(images / np.float32(255)).astype(np.float32),
        y=labels.astype(np.int64),
        num_classes=NUM_CLASSES,
        name="cifar10",
    )
