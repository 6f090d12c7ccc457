"""Clients' error-feedback memory on disk: one safetensors file a client, read when it runs.

A residual is as large as the model: 1,000 clients of a 1.66M-weight model hold 6.6 GB of
fp32 residuals in RAM. Spilled, only the clients a worker is running are in memory, and the
values are bit-identical (safetensors stores the fp32 tensors as they are; never a pickle).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, MutableMapping
from pathlib import Path

from safetensors import safe_open
from safetensors.torch import save_file

from fedprune.checkpoint.split import join_state, split_state
from fedprune.codec import ErrorFeedback, Pipeline

_TREE = "fedprune_tree"  # the safetensors metadata key holding the state's JSON tree


class SpilledFeedback(MutableMapping[int, ErrorFeedback]):
    """``cid -> ErrorFeedback``, each stored as ``root/<cid>.safetensors``.

    Reading gives a fresh object: write it back (``store[cid] = ef``) after changing it.
    """

    def __init__(self, *, root: Path | str, pipeline: Pipeline) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.pipeline = pipeline
        for stale in self.root.glob("*.safetensors"):  # a new run starts with no memory
            stale.unlink()

    def _path(self, cid: int) -> Path:
        return self.root / f"{int(cid)}.safetensors"

    def __getitem__(self, cid: int) -> ErrorFeedback:
        path = self._path(cid)
        if not path.exists():
            raise KeyError(cid)
        with safe_open(path, framework="pt") as fh:
            tree = json.loads((fh.metadata() or {})[_TREE])
            tensors = {k: fh.get_tensor(k) for k in fh.keys()}  # noqa: SIM118 (not a dict)
        ef = ErrorFeedback(pipeline=self.pipeline)
        ef.load_state_dict(join_state(tree, tensors))
        return ef

    def __setitem__(self, cid: int, ef: ErrorFeedback) -> None:
        tensors, tree = split_state(ef.state_dict())
        tmp = self._path(cid).with_suffix(".tmp")
        save_file(tensors, tmp, metadata={_TREE: json.dumps(tree)})
        tmp.replace(self._path(cid))  # a reader never sees half a file

    def __delitem__(self, cid: int) -> None:
        try:
            self._path(cid).unlink()
        except FileNotFoundError:
            raise KeyError(cid) from None

    def __iter__(self) -> Iterator[int]:
        return iter(sorted(int(p.stem) for p in self.root.glob("*.safetensors")))

    def __len__(self) -> int:
        return sum(1 for _ in self.root.glob("*.safetensors"))
