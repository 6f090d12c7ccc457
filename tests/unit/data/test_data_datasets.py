"""Tests for the registered datasets: embedded mnist10k, digits, and IDX-file loaders."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import numpy as np
import pytest

from fedprune.data import load_dataset, read_idx
from fedprune.data.fashion_mnist import DEFAULT_ROOT
from fedprune.data.mnist10k import _raw

# From scripts/build_mnist10k.py and data/embedded/README.md.
MNIST10K_IMAGES_SHA256 = "0768d16c5adea568dee18fa5e4e1acb117e9ec2c5d6b1dffe5fc29c1e61c1eca"
MNIST10K_LABELS_SHA256 = "44e605757823cf79c6557e6d2a7f45c693b286e8cd303ea10339b002801b4916"


def write_idx(path: Path, array: np.ndarray, *, compress: bool) -> None:
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(
        int(d).to_bytes(4, "big") for d in array.shape
    )
    payload = header + array.astype(np.uint8).tobytes()
    if compress:
        path.with_name(path.name + ".gz").write_bytes(gzip.compress(payload))
    else:
        path.write_bytes(payload)


def write_fake_mnist_layout(root: Path, *, compress: bool, n_train: int = 12, n_test: int = 5):
    rng = np.random.default_rng(0)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (n_train, 28, 28)),
        "train-labels-idx1-ubyte": np.arange(n_train) % 10,
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (n_test, 28, 28)),
        "t10k-labels-idx1-ubyte": np.arange(n_test)[::-1] % 10,
    }
    for stem, array in arrays.items():
        write_idx(root / stem, array, compress=compress)
    return arrays


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize("name", ["fashion_mnist", "mnist"])
def test_idx_datasets_load_fake_files_from_root(tmp_path, name, compress):
    arrays = write_fake_mnist_layout(tmp_path, compress=compress)

    split = load_dataset(name=name, root=str(tmp_path))

    assert split.train.x.shape == (12, 1, 28, 28) and split.test.x.shape == (5, 1, 28, 28)
    assert split.train.x.dtype == np.float32 and split.train.y.dtype == np.int64
    np.testing.assert_allclose(split.train.x[:, 0] * 255, arrays["train-images-idx3-ubyte"])
    np.testing.assert_array_equal(split.test.y, arrays["t10k-labels-idx1-ubyte"])
    assert split.train.name == name


def test_missing_fashion_file_names_path_and_install_hint(tmp_path):
    write_fake_mnist_layout(tmp_path, compress=True)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").unlink()

    with pytest.raises(FileNotFoundError) as info:
        load_dataset(name="fashion_mnist", root=str(tmp_path))

    assert str(tmp_path / "t10k-labels-idx1-ubyte") in str(info.value)
    assert "apt-get install dataset-fashion-mnist" in str(info.value)


def test_image_label_count_mismatch_is_rejected(tmp_path):
    write_fake_mnist_layout(tmp_path, compress=False)
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.zeros(11), compress=False)

    with pytest.raises(ValueError, match=r"holds 12 images but .* holds 11 labels"):
        load_dataset(name="fashion_mnist", root=str(tmp_path))


def test_mnist_without_root_says_root_is_required():
    with pytest.raises(ValueError, match="root is required for dataset 'mnist'"):
        load_dataset(name="mnist")


@pytest.mark.skipif(not Path(DEFAULT_ROOT).is_dir(), reason="dataset-fashion-mnist not installed")
def test_installed_fashion_mnist_labels_are_balanced():
    labels = read_idx(Path(DEFAULT_ROOT) / "t10k-labels-idx1-ubyte.gz")

    assert np.bincount(labels).tolist() == [1000] * 10


def test_mnist10k_embedded_arrays_match_the_recorded_build():
    images, labels = _raw()

    assert images.shape == (10_000, 28, 28) and images.dtype == np.uint8
    assert hashlib.sha256(images.tobytes()).hexdigest() == MNIST10K_IMAGES_SHA256
    assert hashlib.sha256(labels.tobytes()).hexdigest() == MNIST10K_LABELS_SHA256


def test_mnist10k_has_fixed_stratified_8000_2000_split():
    split = load_dataset(name="mnist10k")
    again = load_dataset(name="mnist10k")

    assert (len(split.train), len(split.test)) == (8000, 2000)
    assert split.train.x.shape[1:] == (1, 28, 28) and split.train.x.dtype == np.float32
    assert split.train.x.min() == 0.0 and split.train.x.max() == 1.0
    assert set(np.unique(split.test.y)) == set(range(10)) == set(np.unique(split.train.y))
    # Stratified: each class's test share is within one sample of 20%.
    totals = np.bincount(split.train.y) + np.bincount(split.test.y)
    assert np.all(np.abs(np.bincount(split.test.y) - totals / 5) <= 1)
    np.testing.assert_array_equal(split.test.x, again.test.x)
    np.testing.assert_array_equal(split.train.y, again.train.y)


def test_mnist10k_train_and_test_do_not_overlap():
    split = load_dataset(name="mnist10k")

    train_rows = {row.tobytes() for row in split.train.x}
    shared = sum(row.tobytes() in train_rows for row in split.test.x)

    assert shared == 0


def test_digits_shapes_range_and_fixed_split():
    split = load_dataset(name="digits")
    again = load_dataset(name="digits")

    assert split.train.x.shape == (1438, 1, 8, 8) and split.test.x.shape == (359, 1, 8, 8)
    assert split.train.x.min() == 0.0 and split.train.x.max() == 1.0
    assert split.train.num_classes == 10
    np.testing.assert_array_equal(split.test.x, again.test.x)
