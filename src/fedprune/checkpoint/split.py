"""A nested state as flat tensors (for safetensors) plus a JSON tree that refers to them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import Tensor

TENSOR = "__tensor__"
"""The key of a JSON node that stands for a tensor in the flat dict."""


def split_state(state: Mapping[str, Any]) -> tuple[dict[str, Tensor], dict[str, Any]]:
    """``(tensors, tree)``: every tensor leaf moves to ``tensors`` under its ``/``-joined path
    and the tree keeps ``{"__tensor__": path}`` in its place.

    Leaves may be tensors, JSON scalars, or lists of them. Boolean tensors (masks) are stored as
    ``uint8`` and marked, so ``join_state`` gives them back as ``bool``. Keys must be strings
    without ``/``; anything else is a ``TypeError`` naming the path (nothing is pickled).
    """
    tensors: dict[str, Tensor] = {}
    tree = _split(state, "", tensors)
    return tensors, tree


def join_state(tree: Mapping[str, Any], tensors: Mapping[str, Tensor]) -> dict[str, Any]:
    """The inverse of ``split_state``; ``ValueError`` if the tree names a missing tensor."""
    out = _join(tree, tensors)
    if not isinstance(out, dict):
        raise ValueError("a state tree must be a mapping at the top")
    return out


def _split(node: Any, path: str, tensors: dict[str, Tensor]) -> Any:
    if isinstance(node, Tensor):
        t = node.detach().cpu().contiguous().clone()  # own storage: safetensors refuses sharing
        ref: dict[str, Any] = {TENSOR: path}
        if t.dtype == torch.bool:
            t, ref["bool"] = t.to(torch.uint8), True
        tensors[path] = t
        return ref
    if isinstance(node, Mapping):
        out = {}
        for key, value in node.items():
            if not isinstance(key, str) or "/" in key or key == TENSOR:
                raise TypeError(f"state key {key!r} at {path or '/'!r} must be a str without '/'")
            out[key] = _split(value, f"{path}/{key}" if path else key, tensors)
        return out
    if isinstance(node, list | tuple):
        return [_split(v, f"{path}/{i}", tensors) for i, v in enumerate(node)]
    if node is None or isinstance(node, bool | int | float | str):
        return node
    raise TypeError(f"state at {path!r} is a {type(node).__name__}; only tensors and JSON values")


def _join(node: Any, tensors: Mapping[str, Tensor]) -> Any:
    if isinstance(node, dict):
        if TENSOR in node:
            path = node[TENSOR]
            if path not in tensors:
                raise ValueError(f"state names tensor {path!r}, which the tensor file lacks")
            t = tensors[path]
            return t.to(torch.bool) if node.get("bool") else t
        return {k: _join(v, tensors) for k, v in node.items()}
    if isinstance(node, list):
        return [_join(v, tensors) for v in node]
    return node
