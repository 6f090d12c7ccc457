"""Tests for the file-backed cifar10 and femnist loaders and the natural partition."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from fedprune.data import ArrayDataset, load_dataset, make_partitioner
from fedprune.data.cifar10 import RECORD_BYTES, TEST_FILES, TRAIN_FILES


def write_cifar(root: Path, *, per_file: int = 2) -> dict[str, bytes]:
    """Write all six binary batches; record k of a file has label k % 10, pixels k + plane."""
    root.mkdir(parents=True, exist_ok=True)
    files = {}
    for f, name in enumerate(TRAIN_FILES + TEST_FILES):
        records = [
            bytes([(f + k) % 10]) + bytes((f + k + i // 1024) % 256 for i in range(3072))
            for k in range(per_file)
        ]
        files[name] = b"".join(records)
        (root / name).write_bytes(files[name])
    return files


def test_cifar10_reads_binary_batches(tmp_path):
    write_cifar(tmp_path)

    split = load_dataset(name="cifar10", root=str(tmp_path))

    assert split.train.x.shape == (10, 3, 32, 32) and split.test.x.shape == (2, 3, 32, 32)
    assert split.train.x.dtype == np.float32 and split.train.y.dtype == np.int64
    assert split.train.num_classes == 10
    np.testing.assert_array_equal(split.train.y, [0, 1, 1, 2, 2, 3, 3, 4, 4, 5])
    # second record of data_batch_2 (f=1, k=1): red plane 2, green 3, blue 4
    np.testing.assert_allclose(split.train.x[3, :, 5, 7] * 255, [2, 3, 4], rtol=1e-6)
    assert split.test.x.max() <= 1 and split.test.x.min() >= 0


def test_cifar10_finds_the_archive_folder(tmp_path):
    write_cifar(tmp_path / "cifar-10-batches-bin", per_file=1)

    assert len(load_dataset(name="cifar10", root=str(tmp_path)).train) == 5


def test_cifar10_truncated_record_names_the_file(tmp_path):
    files = write_cifar(tmp_path)
    (tmp_path / "data_batch_3.bin").write_bytes(files["data_batch_3.bin"][:-1])

    with pytest.raises(ValueError, match=rf"data_batch_3\.bin: {2 * RECORD_BYTES - 1} bytes"):
        load_dataset(name="cifar10", root=str(tmp_path))


def test_cifar10_bad_label_names_file_and_record(tmp_path):
    files = write_cifar(tmp_path)
    data = bytearray(files["test_batch.bin"])
    data[RECORD_BYTES] = 10
    (tmp_path / "test_batch.bin").write_bytes(bytes(data))

    with pytest.raises(ValueError, match=r"test_batch\.bin: record 1 has label 10"):
        load_dataset(name="cifar10", root=str(tmp_path))


@pytest.mark.parametrize("sub", ["", "cifar-10-batches-py"])
def test_cifar10_refuses_the_pickled_python_version(tmp_path, sub):
    folder = tmp_path / sub
    folder.mkdir(exist_ok=True)
    # A payload that would run code if unpickled; the loader must never open it.
    (folder / "data_batch_1").write_bytes(b"cos\nsystem\n(S'touch pwned'\ntR.")

    with pytest.raises(ValueError, match=r"does not unpickle.*cifar-10-binary\.tar\.gz"):
        load_dataset(name="cifar10", root=str(tmp_path))


def test_cifar10_missing_files_and_root(tmp_path):
    write_cifar(tmp_path)
    (tmp_path / "data_batch_5.bin").unlink()

    with pytest.raises(FileNotFoundError, match=r"data_batch_5\.bin"):
        load_dataset(name="cifar10", root=str(tmp_path))
    with pytest.raises(ValueError, match="root is required"):
        load_dataset(name="cifar10")


def leaf_doc(writers: dict[str, list[int]], *, ink: float = 0.25) -> dict:
    """A LEAF JSON document; each image is white (1.0) with one ink pixel at its label."""

    def image(label: int) -> list[float]:
        pixels = [1.0] * 784
        pixels[label] = ink
        return pixels

    return {
        "users": list(writers),
        "num_samples": [len(ys) for ys in writers.values()],
        "user_data": {w: {"x": [image(y) for y in ys], "y": ys} for w, ys in writers.items()},
    }


def write_leaf(root: Path, train: list[dict], test: list[dict]) -> None:
    for part, docs in (("train", train), ("test", test)):
        (root / part).mkdir(parents=True)
        for i, doc in enumerate(docs):
            (root / part / f"all_data_{i}.json").write_text(json.dumps(doc))


WRITERS = {"f0002_01": [5, 61], "f0000_07": [0, 1, 2], "f0001_33": [9]}


@pytest.fixture
def femnist_root(tmp_path) -> Path:
    first = {k: WRITERS[k] for k in ("f0002_01", "f0000_07")}
    write_leaf(
        tmp_path,
        [leaf_doc(first), leaf_doc({"f0001_33": WRITERS["f0001_33"]})],
        [leaf_doc({"f0000_07": [3], "f0002_01": [60]})],
    )
    return tmp_path


def test_femnist_reads_leaf_json_with_inverted_pixels_and_writer_groups(femnist_root):
    split = load_dataset(name="femnist", root=str(femnist_root))

    assert split.train.x.shape == (6, 1, 28, 28) and split.test.x.shape == (2, 1, 28, 28)
    assert split.train.x.dtype == np.float32 and split.train.num_classes == 62
    np.testing.assert_array_equal(split.train.y, [5, 61, 0, 1, 2, 9])
    # writers indexed in sorted id order: f0000_07 -> 0, f0001_33 -> 1, f0002_01 -> 2
    np.testing.assert_array_equal(split.train.groups, [2, 2, 0, 0, 0, 1])
    np.testing.assert_array_equal(split.test.groups, [0, 2])
    flat = split.train.x.reshape(6, -1)
    np.testing.assert_allclose(flat[np.arange(6), split.train.y], 0.75)  # ink is high
    assert np.count_nonzero(flat) == 6  # white background becomes 0


def test_natural_partition_gives_each_client_one_writer(femnist_root):
    train = load_dataset(name="femnist", root=str(femnist_root)).train
    natural = make_partitioner(name="natural")

    parts = natural.partition(
        labels=train.y, num_clients=3, rng=np.random.default_rng(0), groups=train.groups
    )

    assert [p.tolist() for p in parts] == [[2, 3, 4], [5], [0, 1]]
    assert all(p.dtype == np.int64 for p in parts)


def test_natural_partition_with_fewer_clients_draws_whole_writers():
    groups = np.array([3, 1, 3, 2, 1, 0, 2], dtype=np.int64)

    parts = make_partitioner(name="natural").partition(
        labels=np.zeros(7), num_clients=2, rng=np.random.default_rng(1), groups=groups
    )
    again = make_partitioner(name="natural").partition(
        labels=np.zeros(7), num_clients=2, rng=np.random.default_rng(1), groups=groups
    )

    assert len(parts) == 2 and [p.tolist() for p in parts] == [p.tolist() for p in again]
    owners = [set(groups[p].tolist()) for p in parts]
    assert all(len(o) == 1 for o in owners) and owners[0] != owners[1]
    for part, (group,) in zip(parts, owners, strict=True):
        np.testing.assert_array_equal(part, np.flatnonzero(groups == group))


def test_natural_partition_errors():
    natural = make_partitioner(name="natural")
    rng = np.random.default_rng(0)
    labels = np.zeros(4)

    with pytest.raises(ValueError, match="this dataset has none"):
        natural.partition(labels=labels, num_clients=2, rng=rng)
    with pytest.raises(ValueError, match=r"exceeds the 2 natural groups"):
        natural.partition(labels=labels, num_clients=3, rng=rng, groups=np.array([0, 0, 1, 1]))
    with pytest.raises(ValueError, match="groups must be an integer array"):
        natural.partition(labels=labels, num_clients=1, rng=rng, groups=np.zeros(3, np.int64))


def test_array_dataset_checks_and_subsets_groups():
    x, y = np.zeros((3, 2), np.float32), np.zeros(3, np.int64)
    with pytest.raises(ValueError, match="groups must be None or an int64 array"):
        ArrayDataset(x=x, y=y, num_classes=1, name="t", groups=np.zeros(2, np.int64))

    ds = ArrayDataset(x=x, y=y, num_classes=1, name="t", groups=np.array([4, 5, 6]))

    np.testing.assert_array_equal(ds.subset(np.array([2, 0])).groups, [6, 4])


def corrupt(doc: dict, how: str) -> dict:
    user = doc["users"][0]
    if how == "not_object":
        return [doc]  # type: ignore[return-value]
    if how == "missing_key":
        return {k: v for k, v in doc.items() if k != "num_samples"}
    if how == "count":
        doc["num_samples"][0] += 1
    elif how == "unknown_user":
        doc["user_data"]["nobody"] = doc["user_data"].pop(user)
    elif how == "short_image":
        doc["user_data"][user]["x"][0] = doc["user_data"][user]["x"][0][:-1]
    elif how == "string_pixel":
        doc["user_data"][user]["x"][0][3] = "0.5"
    elif how == "pixel_range":
        doc["user_data"][user]["x"][0][3] = 255
    elif how == "label":
        doc["user_data"][user]["y"][0] = 62
    elif how == "float_label":
        doc["user_data"][user]["y"][0] = 1.0
    return doc


@pytest.mark.parametrize(
    ("how", "message"),
    [
        ("not_object", "expected a JSON object with keys"),
        ("missing_key", "expected a JSON object with keys"),
        ("count", "num_samples says 3, 'y' holds 2"),
        ("unknown_user", "exactly one entry per user"),
        ("short_image", "list of 784 numbers"),
        ("string_pixel", "list of 784 numbers"),
        ("pixel_range", r"pixels must lie in \[0, 1\]"),
        ("label", r"integers in \[0, 62\)"),
        ("float_label", r"integers in \[0, 62\)"),
    ],
)
def test_femnist_malformed_json_names_file_and_problem(tmp_path, how, message):
    write_leaf(tmp_path, [corrupt(leaf_doc({"w1": [1, 2]}), how)], [leaf_doc({"w1": [3]})])

    with pytest.raises(ValueError, match=rf"train/all_data_0\.json.*{message}"):
        load_dataset(name="femnist", root=str(tmp_path))


def test_femnist_file_level_errors(tmp_path):
    with pytest.raises(ValueError, match="root is required"):
        load_dataset(name="femnist")
    with pytest.raises(FileNotFoundError, match=r"no \*\.json files"):
        load_dataset(name="femnist", root=str(tmp_path))

    write_leaf(tmp_path, [leaf_doc({"w1": [1]}), leaf_doc({"w1": [2]})], [leaf_doc({"w1": [3]})])
    with pytest.raises(ValueError, match="writer 'w1' already appears"):
        load_dataset(name="femnist", root=str(tmp_path))

    (tmp_path / "train" / "all_data_1.json").write_text("{not json")
    with pytest.raises(ValueError, match=r"all_data_1\.json: not valid JSON"):
        load_dataset(name="femnist", root=str(tmp_path))


def test_femnist_writers_are_the_clients_of_a_federation(femnist_root):
    from fedprune.config import build_config
    from fedprune.experiment import Experiment

    cfg = build_config(
        overrides=[
            "data.dataset=femnist",
            f"data.root={femnist_root}",
            "data.partition=natural",
            "data.num_clients=3",
            "federation.clients_per_round=3",
            "federation.rounds=1",
            "train.epochs=1",
            "model.name=mlp",
            "engine.threads=1",
            "pruning.mode=none",
        ]
    )
    exp = Experiment(config=cfg)
    sizes = sorted(int(d.x.shape[0]) for d in exp.client_data)
    result = exp.run()

    assert sizes == sorted(len(v) for v in WRITERS.values())
    assert result.summary["failed_clients"] == result.summary["rejected_updates"] == 0
