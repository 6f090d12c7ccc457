"""Checkpoint directories ``round_NNNN/`` holding ``tensors.safetensors`` and ``state.json``."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from safetensors import SafetensorError
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors

from fedprune.checkpoint.files import read_file, sync_dir, write_file
from fedprune.checkpoint.split import join_state, split_state

FORMAT = "fedprune.checkpoint"
VERSION = 1
TENSORS, STATE = "tensors.safetensors", "state.json"
_ROUND_DIR = re.compile(r"round_(\d+)")


class CheckpointError(ValueError):
    """A checkpoint that is missing, incomplete or not readable as one; one line."""


@dataclass(frozen=True)
class Checkpoint:
    """A loaded checkpoint: the round it was taken after, and the state saved then."""

    rnd: int
    state: dict[str, Any]


class CheckpointStore:
    """Saves and loads checkpoints under ``root``, keeping the last ``keep`` of them.

    Every tensor of a state goes to ``tensors.safetensors`` and the rest, with a reference to
    each tensor, to ``state.json`` (see ``split_state``); nothing is pickled. A checkpoint is
    written in a hidden temporary directory and renamed to ``round_NNNN`` once complete, so a
    process killed mid-write leaves the previous checkpoint as the latest. With ``key`` both
    files are sealed (AES-256-GCM, ``NAME.enc``), each bound to its ``round_NNNN/NAME``.
    """

    def __init__(self, *, root: Path, keep: int = 2, key: bytes | None = None) -> None:
        if keep < 1:
            raise ValueError(f"checkpoint.keep must be >= 1, got {keep}")
        self.root, self.keep, self.key = root, keep, key

    def rounds(self) -> list[int]:
        """Rounds with a complete checkpoint, oldest first."""
        if not self.root.is_dir():
            return []
        found = (_ROUND_DIR.fullmatch(p.name) for p in self.root.iterdir() if p.is_dir())
        return sorted(int(m.group(1)) for m in found if m)

    def save(self, *, rnd: int, state: Mapping[str, Any]) -> Path:
        """Write ``state`` as the checkpoint after round ``rnd``; drop all but the newest
        ``keep``."""
        tensors, tree = split_state(state)
        final = self._dir(rnd)
        tmp = self.root / f".{final.name}.tmp-{os.getpid()}"
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir(parents=True)
        document = {"format": FORMAT, "version": VERSION, "round": rnd, "state": tree}
        self._write(tmp / TENSORS, save_tensors(tensors, metadata={"format": FORMAT}), final)
        self._write(tmp / STATE, json.dumps(document).encode("utf-8"), final)
        if final.exists():
            self._discard(final)
        os.replace(tmp, final)
        sync_dir(self.root)
        for old in self.rounds()[: -self.keep]:
            self._discard(self._dir(old))
        # left by a process killed mid-write or mid-delete
        for stale in [*self.root.glob(".round_*"), *self.root.glob(".trash-*")]:
            shutil.rmtree(stale, ignore_errors=True)
        return final

    def load(self, *, rnd: int) -> Checkpoint:
        """The checkpoint after round ``rnd``; ``CheckpointError`` if absent or unreadable.

        A sealed checkpoint read with a wrong key raises ``SealError`` (also a ``ValueError``).
        """
        where = self._dir(rnd)
        try:
            document = json.loads(self._read(where / STATE, where))
            tensors = load_tensors(self._read(where / TENSORS, where))
        except FileNotFoundError as exc:
            raise CheckpointError(f"checkpoint {where} is incomplete: {exc}") from None
        except (json.JSONDecodeError, UnicodeDecodeError, SafetensorError) as exc:
            raise CheckpointError(f"checkpoint {where} is corrupt: {exc}") from None
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise CheckpointError(f"{where / STATE} is not a fedprune checkpoint")
        if document.get("version") != VERSION or document.get("round") != rnd:
            raise CheckpointError(
                f"{where / STATE}: version {document.get('version')} round "
                f"{document.get('round')}, expected version {VERSION} round {rnd}"
            )
        return Checkpoint(rnd=rnd, state=join_state(document["state"], tensors))

    def latest(self) -> Checkpoint | None:
        """The newest complete checkpoint, or ``None`` when there is none."""
        rounds = self.rounds()
        return self.load(rnd=rounds[-1]) if rounds else None

    def _dir(self, rnd: int) -> Path:
        return self.root / f"round_{rnd:04d}"

    def _write(self, path: Path, data: bytes, final: Path) -> None:
        write_file(path, data, key=self.key, tag=f"{FORMAT}/{path.name}", name=_name(final, path))

    def _read(self, path: Path, where: Path) -> bytes:
        return read_file(path, key=self.key, tag=f"{FORMAT}/{path.name}", name=_name(where, path))

    def _discard(self, path: Path) -> None:
        trash = self.root / f".trash-{path.name}-{os.getpid()}"
        os.replace(path, trash)  # out of sight at once; the slow delete cannot leave half of it
        shutil.rmtree(trash, ignore_errors=True)


def _name(final: Path, path: Path) -> str:
    """The name a checkpoint file is sealed under: its final directory and file name."""
    return f"{final.name}/{path.name}"
