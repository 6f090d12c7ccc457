"""Federated transfer learning: start a run from a model trained elsewhere (a model file)."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from fedprune.checkpoint.model_file import load_model

__all__ = ["load_pretrained"]


def load_pretrained(*, model: nn.Module, path: str | Path, key: bytes | None = None) -> list[str]:
    """Copy the weights of the model file ``path`` into ``model``; return the names left fresh.

    Every tensor whose name and shape match is copied. Only the output layer (the last linear
    layer, whose size is the number of classes) may differ, as when a source task with other
    classes is transferred: it keeps its fresh initialisation. Anything else that differs —
    another architecture, a structurally pruned source, another vocabulary — is a
    ``ValueError`` naming the tensors, since silently skipping them would train half a model
    from scratch. ``path`` is read with safetensors, never unpickled.
    """
    source, info = load_model(Path(path), key=key)
    head = _output_layer(model)
    own = model.state_dict()
    fresh: list[str] = []
    wrong: list[str] = []
    for name, t in own.items():
        got = source.params.get(name)
        if got is not None and tuple(got.shape) == tuple(t.shape):
            continue
        (fresh if name.rpartition(".")[0] == head else wrong).append(name)
    if wrong:
        shown = {n: tuple(source.params[n].shape) if n in source.params else None for n in wrong}
        raise ValueError(
            f"model.init_from {path}: the {info.name!r} weights do not fit this model beyond its "
            f"output layer {head!r}: {shown} (source shape, None if absent); transfer needs the "
            "same architecture and input shape, unpruned structure and vocabulary"
        )
    with torch.no_grad():
        for name, t in own.items():
            if name not in fresh:
                t.copy_(source.params[name])
    return fresh


def _output_layer(model: nn.Module) -> str:
    linears = [name for name, m in model.named_modules() if isinstance(m, nn.Linear)]
    return linears[-1] if linears else ""
