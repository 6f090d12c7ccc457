"""Model cost: multiply-accumulates, parameter counts and measured inference latency."""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import torch
from torch import Tensor, nn


def _conv_macs(module: nn.Module, inputs: tuple[Tensor, ...], output: Tensor) -> int:
    assert isinstance(module, nn.modules.conv._ConvNd)
    kernel = math.prod(module.kernel_size)
    if module.transposed:  # every input element scatters into out_channels/groups kernels
        return inputs[0].numel() * module.out_channels // module.groups * kernel
    return output.numel() * module.in_channels // module.groups * kernel


def _linear_macs(module: nn.Module, inputs: tuple[Tensor, ...], output: Tensor) -> int:
    assert isinstance(module, nn.Linear)
    return output.numel() * module.in_features


# Layer type -> MACs of one call; looked up along the type's MRO so subclasses count too.
MAC_COUNTERS: dict[type[nn.Module], Callable[[nn.Module, tuple[Tensor, ...], Tensor], int]] = {
    nn.modules.conv._ConvNd: _conv_macs,
    nn.Linear: _linear_macs,
}


def _counter(module: nn.Module) -> Callable[[nn.Module, tuple[Tensor, ...], Tensor], int] | None:
    for cls in type(module).__mro__:
        if cls in MAC_COUNTERS:
            return MAC_COUNTERS[cls]
    return None


@contextmanager
def evaluating(model: nn.Module) -> Iterator[nn.Module]:
    """``model.eval()`` for the block, then every module's own training flag back."""
    modes = {m: m.training for m in model.modules()}
    model.eval()
    try:
        yield model
    finally:
        for m, mode in modes.items():
            m.training = mode


def count_macs(*, model: nn.Module, example_input: Tensor) -> int:
    """Multiply-accumulates of one forward pass on ``example_input`` (all of its batch).

    Counts the weight products of convolution and linear layers (``Linear(4, 3)`` on one
    sample: 12); bias additions, normalisation, activations and pooling are left out, the usual
    convention since they are memory-bound and small. Add a layer type to ``MAC_COUNTERS``.
    """
    return sum(layer_macs(model=model, example_input=example_input).values())


def layer_macs(*, model: nn.Module, example_input: Tensor) -> dict[str, int]:
    """Multiply-accumulates of one forward pass on ``example_input`` per counted layer, keyed by
    the layer's weight name (``"conv1.weight"``); the layers and convention of ``count_macs``."""
    names = {m: f"{n}.weight" if n else "weight" for n, m in model.named_modules()}
    out: dict[str, int] = {}

    def hook(module: nn.Module, inputs: tuple[Tensor, ...], output: Tensor) -> None:
        counter = _counter(module)
        if counter is not None:
            out[names[module]] = out.get(names[module], 0) + counter(module, inputs, output)

    handles = [m.register_forward_hook(hook) for m in model.modules() if _counter(m)]
    try:
        with evaluating(model), torch.inference_mode():
            model(example_input)
    finally:
        for h in handles:
            h.remove()
    return out


def count_params(*, model: nn.Module, nonzero: bool = False) -> int:
    """Number of parameters (shared ones once); ``nonzero`` counts only non-zero entries, the
    size left after unstructured pruning. Buffers (BatchNorm statistics) are not counted."""
    params = list(model.parameters())
    if nonzero:
        return sum(int(torch.count_nonzero(p.detach())) for p in params)
    return sum(p.numel() for p in params)


def measure_latency(
    *,
    model: nn.Module,
    example_input: Tensor,
    batch_sizes: Sequence[int] = (1, 256),
    repeats: int = 20,
    warmup: int = 3,
) -> dict[int, float]:
    """Median wall-clock seconds of one inference call per batch size.

    Batches repeat the first sample of ``example_input``; the model runs in ``eval()`` mode
    under ``torch.inference_mode()`` on the input's device (synchronised on CUDA). The thread
    count is the caller's (``torch.set_num_threads``).
    """
    if repeats < 1 or warmup < 0:
        raise ValueError(f"need repeats >= 1 and warmup >= 0, got {repeats} and {warmup}")
    if any(b < 1 for b in batch_sizes):
        raise ValueError(f"batch sizes must be >= 1, got {list(batch_sizes)}")
    sample = example_input[:1]
    sync = torch.cuda.synchronize if sample.device.type == "cuda" else (lambda: None)
    out: dict[int, float] = {}
    with evaluating(model), torch.inference_mode():
        for batch in batch_sizes:
            x = sample.expand(batch, *sample.shape[1:]).contiguous()
            times = []
            for i in range(warmup + repeats):
                sync()
                start = time.perf_counter()
                model(x)
                sync()
                if i >= warmup:
                    times.append(time.perf_counter() - start)
            out[batch] = statistics.median(times)
    return out
