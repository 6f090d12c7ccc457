"""Layer (block) removal: residual blocks replaced by the identity, and their importance."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from fedprune.profile import evaluating

Loss = Callable[[Tensor, Tensor], Tensor]


def removable_blocks(*, model: nn.Module) -> list[str]:
    """Names of the blocks that declare ``shape_preserving`` (e.g. ResNet ``BasicBlock``s
    without a projection shortcut), in module order: the candidates for ``remove_blocks``."""
    return [
        name
        for name, m in model.named_modules()
        if name and getattr(m, "shape_preserving", False) is True
    ]


def remove_blocks(
    *, model: nn.Module, blocks: Sequence[str], example_input: Tensor | None = None
) -> None:
    """Replace each named block by ``nn.Identity`` in place; their state entries disappear.

    A block must map its input to an output of the same shape: measured on ``example_input``
    when given, otherwise read from the block's ``shape_preserving`` attribute. ``ValueError``
    (and ``model`` untouched) for an unknown name or a block that changes shapes.
    """
    _check_blocks(model=model, blocks=blocks, example_input=example_input)
    for name in blocks:
        _swap(model, name, nn.Identity())


def block_scores(
    *,
    model: nn.Module,
    x: Tensor,
    y: Tensor,
    blocks: Sequence[str],
    loss_fn: Loss = F.cross_entropy,
) -> dict[str, float]:
    """Importance of each block: ``loss_fn`` on ``(x, y)`` with the block replaced by the
    identity minus the loss of the full model (eval mode; ``model`` is left as it was).

    The idea of Veit et al. 2016 (https://arxiv.org/abs/1605.06431), who show residual
    networks survive removing single blocks; the lowest-scored block is the cheapest to drop.
    """
    _check_blocks(model=model, blocks=blocks, example_input=x)
    with evaluating(model), torch.inference_mode():
        base = float(loss_fn(model(x), y))
        out = {}
        for name in blocks:
            original = _swap(model, name, nn.Identity())
            try:
                out[name] = float(loss_fn(model(x), y)) - base
            finally:
                _swap(model, name, original)
    return out


def _check_blocks(*, model: nn.Module, blocks: Sequence[str], example_input: Tensor | None) -> None:
    modules = dict(model.named_modules())
    for name in blocks:
        if not name or name not in modules:
            raise ValueError(f"no block named {name!r} in the model")
    if len(set(blocks)) != len(blocks):
        raise ValueError(f"blocks repeat a name: {list(blocks)}")
    nested = [(a, b) for a in blocks for b in blocks if b.startswith(f"{a}.")]
    if nested:
        raise ValueError(f"block {nested[0][1]!r} lies inside block {nested[0][0]!r}")
    if example_input is None:
        for name in blocks:
            flag = getattr(modules[name], "shape_preserving", None)
            if flag is None:
                raise ValueError(
                    f"block {name!r} does not declare shape_preserving; pass example_input"
                )
            if not flag:
                raise ValueError(f"block {name!r} changes the shape of its input")
        return
    shapes = _io_shapes(model=model, names=blocks, example_input=example_input)
    for name in blocks:
        if name not in shapes:
            raise ValueError(f"block {name!r} is not called in the forward pass")
        shape_in, shape_out = shapes[name]
        if shape_in is None or shape_in != shape_out:
            raise ValueError(f"block {name!r} maps shape {shape_in} to {shape_out}; it needs one")


def _io_shapes(
    *, model: nn.Module, names: Sequence[str], example_input: Tensor
) -> dict[str, tuple[tuple[int, ...] | None, tuple[int, ...] | None]]:
    shapes = {}

    def recorder(name: str) -> Callable[[nn.Module, tuple[object, ...], object], None]:
        def hook(module: nn.Module, inputs: tuple[object, ...], output: object) -> None:
            first = inputs[0] if len(inputs) == 1 else None
            shapes[name] = (
                tuple(first.shape) if isinstance(first, Tensor) else None,
                tuple(output.shape) if isinstance(output, Tensor) else None,
            )

        return hook

    handles = [model.get_submodule(n).register_forward_hook(recorder(n)) for n in names]
    try:
        with evaluating(model), torch.inference_mode():
            model(example_input)
    finally:
        for h in handles:
            h.remove()
    return shapes


def _swap(model: nn.Module, name: str, new: nn.Module) -> nn.Module:
    parent_name, _, child = name.rpartition(".")
    parent = model.get_submodule(parent_name)
    old = getattr(parent, child)
    setattr(parent, child, new)
    return old
