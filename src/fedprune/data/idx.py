"""Reader for the IDX array format used by MNIST-style datasets, optionally gzip-compressed."""

from __future__ import annotations

import gzip
import math
import zlib
from pathlib import Path
from typing import Protocol

import numpy as np

__all__ = ["IDX_DTYPES", "read_idx"]

# Type code (third magic byte) -> big-endian element dtype.
IDX_DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 20


class _Readable(Protocol):
    def read(self, size: int, /) -> bytes: ...


def read_idx(path: str | Path) -> np.ndarray:
    """Read an IDX file into a native-endian numpy array.

    Gzip compression is detected from the content, not the file name. The header is checked
    against the data actually present, so a corrupt header never triggers a large allocation.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is not valid IDX: bad magic, unknown type code, truncated header or data,
        or bytes after the data. The message names the file.
    """
    path = Path(path)
    with path.open("rb") as raw:
        compressed = raw.read(2) == _GZIP_MAGIC
        raw.seek(0)
        if compressed:
            with gzip.GzipFile(fileobj=raw, mode="rb") as stream:
                return _read_stream(stream, path)
        return _read_stream(raw, path)


def _read_stream(stream: _Readable, path: Path) -> np.ndarray:
    try:
        magic = _read_exact(stream, 4, path, "magic number")
        if magic[0] != 0 or magic[1] != 0:
            raise ValueError(f"{path}: bad magic {magic.hex()}; IDX files start with 00 00")
        dtype = IDX_DTYPES.get(magic[2])
        if dtype is None:
            codes = ", ".join(f"0x{code:02X}" for code in IDX_DTYPES)
            raise ValueError(f"{path}: unknown IDX type code 0x{magic[2]:02X}; allowed: {codes}")
        ndim = magic[3]
        header = _read_exact(stream, 4 * ndim, path, f"dimension sizes ({ndim} dims)")
        shape = tuple(int.from_bytes(header[i : i + 4], "big") for i in range(0, 4 * ndim, 4))
        expected = math.prod(shape) * dtype.itemsize
        data = _read_at_most(stream, expected + 1)
    except (EOFError, zlib.error, gzip.BadGzipFile) as err:
        raise ValueError(f"{path}: corrupt gzip stream ({err})") from err
    if len(data) < expected:
        raise ValueError(
            f"{path}: truncated; header {shape} of {dtype.name} needs {expected} data bytes, "
            f"file holds {len(data)}"
        )
    if len(data) > expected:
        raise ValueError(f"{path}: trailing bytes after the {expected} data bytes of shape {shape}")
    return (
        np.frombuffer(data, dtype=dtype, count=math.prod(shape))
        .reshape(shape)
        .astype(dtype.newbyteorder("="))
    )


def _read_exact(stream: _Readable, size: int, path: Path, what: str) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise ValueError(f"{path}: truncated while reading the {what}")
    return data


def _read_at_most(stream: _Readable, limit: int) -> bytearray:
    """Read up to ``limit`` bytes in chunks, so memory follows the data, not the header."""
    data = bytearray()
    while len(data) < limit:
        chunk = stream.read(min(_CHUNK, limit - len(data)))
        if not chunk:
            break
        data += chunk
    return data
