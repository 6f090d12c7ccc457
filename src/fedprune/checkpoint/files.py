"""Whole-file reads and atomic writes, sealed (``NAME.enc``) when a key is given."""

from __future__ import annotations

import os
from pathlib import Path

from fedprune.checkpoint.sealed import SealError, is_sealed, seal, unseal

SEALED_SUFFIX = ".enc"


def write_file(
    path: Path, data: bytes, *, key: bytes | None = None, tag: str, name: str | None = None
) -> Path:
    """Write ``data`` to ``path``, or sealed to ``path.enc`` with ``key``; return the path used.

    The bytes go to a temporary file that is synced and then renamed, so a reader sees the old
    file or the new one, never a part. ``name`` (default: ``path.name``) and ``tag`` are
    authenticated with the data (see ``fedprune.checkpoint.sealed``).
    """
    target = sealed_path(path) if key is not None else path
    blob = seal(data, key=key, name=name or path.name, tag=tag) if key is not None else data
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    with tmp.open("wb") as fh:
        fh.write(blob)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, target)
    sync_dir(target.parent)
    return target


def read_file(path: Path, *, key: bytes | None = None, tag: str, name: str | None = None) -> bytes:
    """What ``write_file(path, ...)`` wrote, with or without a key as it was written.

    ``FileNotFoundError`` when it is missing; ``SealError`` (one line) when it is sealed but no
    key is given, plain but a key is given, or fails authentication.
    """
    shown = name or path.name
    target = sealed_path(path) if key is not None else path
    if not target.is_file():
        other = path if key is not None else sealed_path(path)
        if other.is_file():
            hint = "is not encrypted, but a key was given" if key else "is encrypted: give its key"
            raise SealError(f"{shown} {hint}")
        raise FileNotFoundError(f"{target} does not exist")
    blob = target.read_bytes()
    if key is None:
        if is_sealed(blob):
            raise SealError(f"{shown} is encrypted: give its key")
        return blob
    return unseal(blob, key=key, name=shown, tag=tag)


def sealed_path(path: Path) -> Path:
    """Where ``path`` lives when sealed."""
    return path.with_name(path.name + SEALED_SUFFIX)


def sync_dir(path: Path) -> None:
    """Flush a directory entry change (a rename) to disk where the OS allows it."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - e.g. platforms without directory descriptors
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)
