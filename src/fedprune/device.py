"""Which device clients train on: ``engine.device`` resolved against what this machine has."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import torch

_DEVICE = re.compile(r"^(auto|cpu|cuda(:\d+)?)$")


def check_device_name(name: str) -> str:
    """``name`` if it is ``auto``, ``cpu``, ``cuda`` or ``cuda:N``; else ``ValueError``."""
    if not _DEVICE.match(name):
        raise ValueError(f"engine.device {name!r}: allowed are 'cpu', 'cuda', 'cuda:N', 'auto'")
    return name


def resolve_device(name: str) -> torch.device:
    """The device for ``engine.device = name``: ``auto`` is the first CUDA device when one is
    usable, else the CPU; ``cuda``/``cuda:N`` without such a device raises ``ValueError``.

    On CUDA, cuDNN is put in its deterministic mode with autotuning off, so a seed fixes a run
    on one GPU model and software stack (results differ from the CPU's in the last bits).
    """
    check_device_name(name)
    if name == "cpu" or (name == "auto" and not torch.cuda.is_available()):
        return torch.device("cpu")
    if name == "auto":
        name = "cuda"
    if not torch.cuda.is_available():
        raise ValueError(
            f"engine.device = {name!r} but no CUDA device is usable here (torch "
            f"{torch.__version__}, CUDA build: {torch.version.cuda or 'none'}); use 'cpu' or "
            "'auto'"
        )
    device = torch.device(name)
    count = torch.cuda.device_count()
    if device.index is not None and device.index >= count:
        raise ValueError(f"engine.device = {name!r} but this machine has {count} CUDA device(s)")
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False
    return device


@contextmanager
def torch_threads(n: int) -> Iterator[None]:
    """Run the block on ``n`` torch intra-op threads, then restore the count it had."""
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)
