"""Checkpoints of a run: when one is due, and the global model, rows and state it holds."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fedprune.checkpoint.store import CheckpointError, CheckpointStore
from fedprune.messages import GlobalModel


@dataclass(frozen=True)
class Resumed:
    """Where a resumed run starts: after round ``rnd``, whose first ``rnd`` rows it keeps."""

    rnd: int
    model: GlobalModel
    state: dict[str, Any]


class RunCheckpoints:
    """The checkpoints of one run directory, taken after every ``every``-th round (0: none).

    Each holds the global model, the experiment's ``state_dict()`` and a digest of the resolved
    ``config``, so a checkpoint is never resumed under a different config.
    """

    def __init__(
        self,
        *,
        root: Path,
        every: int,
        keep: int,
        config: Mapping[str, Any],
        key: bytes | None = None,
    ) -> None:
        if every < 0:
            raise ValueError(f"checkpoint.every must be >= 0, got {every}")
        self.store = CheckpointStore(root=root, keep=keep, key=key)
        self.every = every
        self.digest = config_digest(config)

    def due(self, rnd: int) -> bool:
        """Whether a checkpoint is taken after round ``rnd``."""
        return self.every > 0 and rnd % self.every == 0

    def save(self, *, rnd: int, model: GlobalModel, state: Mapping[str, Any]) -> Path:
        """Checkpoint the run after round ``rnd``."""
        return self.store.save(
            rnd=rnd,
            state={
                "config_sha256": self.digest,
                "model": {"params": model.params, "masks": model.masks},
                "experiment": dict(state),
            },
        )

    def latest(self) -> Resumed | None:
        """The newest checkpoint, or ``None``; ``CheckpointError`` if it is for another config."""
        saved = self.store.latest()
        if saved is None:
            return None
        state = saved.state
        if state.get("config_sha256") != self.digest:
            raise CheckpointError(
                f"the checkpoint after round {saved.rnd} was written under a different config"
            )
        model = GlobalModel(params=state["model"]["params"], masks=state["model"]["masks"])
        return Resumed(rnd=saved.rnd, model=model, state=state["experiment"])


def config_digest(config: Mapping[str, Any]) -> str:
    """SHA-256 of the config's canonical JSON."""
    text = json.dumps(config, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
