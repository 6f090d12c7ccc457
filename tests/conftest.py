"""Test-wide settings."""

import torch

# One intra-op thread: the models here are tiny, and OpenMP's spinning threads slow everything
# down badly when other processes (CI's, or a subprocess test's) share the two cores.
torch.set_num_threads(1)
