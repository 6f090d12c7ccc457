"""The global generators' states survive a checkpoint (JSON and one tensor)."""

from __future__ import annotations

import json
import random

import numpy as np
import torch

from fedprune.checkpoint import join_state, load_rng_state, rng_state, split_state


def draws() -> tuple[float, float, float, float]:
    return random.random(), float(np.random.rand()), float(np.random.randn()), float(torch.rand(1))


def test_restoring_the_state_repeats_every_generators_draws() -> None:
    random.seed(1)
    np.random.seed(2)
    torch.manual_seed(3)
    np.random.randn()  # leaves a cached gaussian in numpy's state
    tensors, tree = split_state(rng_state())
    first = draws()

    load_rng_state(join_state(json.loads(json.dumps(tree)), tensors))

    assert draws() == first
