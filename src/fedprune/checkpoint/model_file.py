"""The run's final model, ``model.safetensors``: weights, masks, and what rebuilds the network."""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors
from torch import Tensor, nn

from fedprune.checkpoint.files import read_file, write_file
from fedprune.messages import GlobalModel

MODEL_FILE = "model.safetensors"
FORMAT = "fedprune.model"


@dataclass(frozen=True)
class ModelInfo:
    """What rebuilds the network around saved weights: registered model name and data shapes."""

    name: str
    input_shape: tuple[int, ...]
    num_classes: int
    vocab_size: int | None = None

    def metadata(self) -> dict[str, str]:
        """As safetensors ``__metadata__`` (string values only)."""
        return {
            "format": FORMAT,
            "model": self.name,
            "input_shape": json.dumps(list(self.input_shape)),
            "num_classes": str(self.num_classes),
            **({} if self.vocab_size is None else {"vocab_size": str(self.vocab_size)}),
        }

    @classmethod
    def from_metadata(cls, meta: dict[str, str], *, source: str) -> ModelInfo:
        """Read back ``metadata()``; ``ValueError`` naming ``source`` if it is not one."""
        try:
            if meta["format"] != FORMAT:
                raise KeyError("format")
            shape = tuple(int(d) for d in json.loads(meta["input_shape"]))
            vocab = meta.get("vocab_size")
            return cls(
                name=meta["model"],
                input_shape=shape,
                num_classes=int(meta["num_classes"]),
                vocab_size=None if vocab is None else int(vocab),
            )
        except (KeyError, ValueError, TypeError):
            raise ValueError(f"{source} is not a fedprune model file") from None


def save_model(
    path: Path, *, model: GlobalModel, info: ModelInfo, key: bytes | None = None
) -> Path:
    """Write ``params/NAME`` and ``masks/NAME`` (``uint8``) with ``info`` as metadata.

    The tensors' shapes are the structure: a structurally pruned model is rebuilt from them
    (see ``build_network``). Sealed to ``path.enc`` with ``key``; returns the path written.
    """
    tensors = {f"params/{n}": t.detach().contiguous().clone() for n, t in model.params.items()}
    tensors |= {f"masks/{n}": m.to(torch.uint8).contiguous() for n, m in model.masks.items()}
    blob = save_tensors(tensors, metadata=info.metadata())
    return write_file(path, blob, key=key, tag=FORMAT)


def load_model(path: Path, *, key: bytes | None = None) -> tuple[GlobalModel, ModelInfo]:
    """What ``save_model`` wrote: the global model (boolean masks) and its ``ModelInfo``."""
    blob = read_file(path, key=key, tag=FORMAT)
    try:
        tensors = load_tensors(blob)
        meta = safetensors_metadata(blob)
    except (SafetensorError, ValueError) as exc:
        raise ValueError(f"{path} is not a safetensors file: {exc}") from None
    info = ModelInfo.from_metadata(meta, source=str(path))
    params = {k.removeprefix("params/"): t for k, t in tensors.items() if k.startswith("params/")}
    masks = {
        k.removeprefix("masks/"): t.to(torch.bool)
        for k, t in tensors.items()
        if k.startswith("masks/")
    }
    return GlobalModel(params=params, masks=masks), info


def build_network(*, params: dict[str, Tensor], info: ModelInfo) -> nn.Module:
    """The registered model, shrunk to the shapes of ``params`` when they are smaller (via
    ``fedprune.prune.structured.conform``), with ``params`` loaded, in eval mode."""
    from fedprune.models import build_model
    from fedprune.payload import load_sent_state
    from fedprune.prune.structured import conform

    net = build_model(
        name=info.name,
        input_shape=info.input_shape,
        num_classes=info.num_classes,
        vocab_size=info.vocab_size,
    )
    own = net.state_dict()
    shapes = {n: tuple(t.shape) for n, t in params.items()}
    if any(n in own and tuple(own[n].shape) != s for n, s in shapes.items()):
        conform(model=net, example_input=example_input(info), shapes=shapes)
    load_sent_state(net, params)
    return net.eval()


def example_input(info: ModelInfo, *, batch: int = 1) -> Tensor:
    """Zeros shaped like ``batch`` inputs of the model (token ids for a text model)."""
    dtype = torch.float32 if info.vocab_size is None else torch.long
    return torch.zeros(batch, *info.input_shape, dtype=dtype)


def safetensors_metadata(blob: bytes) -> dict[str, str]:
    """The ``__metadata__`` of a safetensors blob (its 8-byte length, then a JSON header)."""
    if len(blob) < 8:
        raise ValueError("too short for a safetensors header")
    (size,) = struct.unpack("<Q", blob[:8])
    header: Any = json.loads(blob[8 : 8 + size])
    meta = header.get("__metadata__", {}) if isinstance(header, dict) else {}
    return {str(k): str(v) for k, v in meta.items()}
