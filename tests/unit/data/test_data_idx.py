"""Tests for the IDX reader on files the tests write, well-formed and malformed."""

from __future__ import annotations

import gzip
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from fedprune.data.idx import IDX_DTYPES, read_idx

CODES = {dtype.newbyteorder("="): code for code, dtype in IDX_DTYPES.items()}


def idx_bytes(array: np.ndarray) -> bytes:
    """Encode ``array`` as IDX: 00 00 <type code> <ndim>, big-endian dims, big-endian data."""
    code = CODES[array.dtype.newbyteorder("=")]
    header = bytes([0, 0, code, array.ndim]) + b"".join(
        int(d).to_bytes(4, "big") for d in array.shape
    )
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write(path: Path, payload: bytes, *, compress: bool = False) -> Path:
    path.write_bytes(gzip.compress(payload) if compress else payload)
    return path


@pytest.mark.parametrize("compress", [False, True])
def test_reads_ubyte_images_and_labels(tmp_path, compress):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(5, 28, 28), dtype=np.uint8)
    labels = np.array([3, 0, 9, 9, 1], dtype=np.uint8)
    image_file = write(tmp_path / "images", idx_bytes(images), compress=compress)
    label_file = write(tmp_path / "labels", idx_bytes(labels), compress=compress)

    got_images, got_labels = read_idx(image_file), read_idx(label_file)

    assert got_images.dtype == np.uint8 and got_labels.dtype == np.uint8
    np.testing.assert_array_equal(got_images, images)
    np.testing.assert_array_equal(got_labels, labels)


@pytest.mark.parametrize(
    "array",
    [
        np.array([-128, -1, 0, 127], dtype=np.int8),
        np.array([[-30000, 2], [3, 30000]], dtype=np.int16),
        np.array([-(2**31), 2**31 - 1, 258], dtype=np.int32),
        np.array([[0.5, -1.25e30]], dtype=np.float32),
        np.array([np.pi, -1e300], dtype=np.float64),
        np.zeros((0, 3), dtype=np.uint8),
    ],
    ids=["sbyte", "short", "int", "float", "double", "empty"],
)
def test_round_trips_every_type_code_as_native_endian(tmp_path, array):
    path = write(tmp_path / "data.idx", idx_bytes(array))

    got = read_idx(path)

    assert got.dtype == array.dtype and got.dtype.isnative
    assert got.shape == array.shape
    np.testing.assert_array_equal(got, array)


def test_gzip_is_detected_from_content_not_name(tmp_path):
    labels = np.arange(7, dtype=np.uint8)
    path = write(tmp_path / "labels-without-gz-suffix", idx_bytes(labels), compress=True)

    np.testing.assert_array_equal(read_idx(path), labels)


GOOD = idx_bytes(np.arange(12, dtype=np.uint8).reshape(3, 4))


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"\x01" + GOOD[1:], "bad magic"),
        (GOOD[:2] + b"\x0a" + GOOD[3:], "unknown IDX type code 0x0A"),
        (GOOD[:3], "truncated while reading the magic"),
        (GOOD[:10], r"truncated while reading the dimension sizes \(2 dims\)"),
        (GOOD[:-1], r"truncated; header \(3, 4\) of uint8 needs 12 data bytes, file holds 11"),
        (GOOD + b"\x00", "trailing bytes after the 12 data bytes"),
    ],
    ids=["magic", "type-code", "short-magic", "short-dims", "short-data", "trailing"],
)
def test_malformed_files_raise_value_error_naming_the_file(tmp_path, payload, message, compress):
    path = write(tmp_path / "broken.idx", payload, compress=compress)

    with pytest.raises(ValueError, match=message) as info:
        read_idx(path)

    assert str(path) in str(info.value)


def test_truncated_gzip_stream_is_a_value_error(tmp_path):
    blob = gzip.compress(idx_bytes(np.arange(4000, dtype=np.int32)))
    path = write(tmp_path / "cut.gz", blob[: len(blob) // 2])

    with pytest.raises(ValueError, match="corrupt gzip stream") as info:
        read_idx(path)

    assert str(path) in str(info.value)


def test_huge_header_on_small_file_does_not_allocate_what_the_header_claims(tmp_path):
    # Header claims 2**32 doubles (32 GiB); the file holds 16 bytes of data.
    header = bytes([0, 0, 0x0E, 2]) + (2**16).to_bytes(4, "big") * 2
    path = write(tmp_path / "liar.idx", header + b"\x00" * 16)

    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="truncated"):
            read_idx(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert peak < 10 * 2**20


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_idx(tmp_path / "absent.idx")
