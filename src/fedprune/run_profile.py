"""Profile a run's final model: counted MACs and parameters, measured CPU latency."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fedprune.checkpoint.model_file import MODEL_FILE, build_network, example_input, load_model
from fedprune.device import torch_threads
from fedprune.profile import count_macs, count_params, measure_latency


def profile_run(
    *,
    run_dir: Path,
    batch_sizes: Sequence[int] = (1, 256),
    repeats: int = 20,
    threads: int = 1,
    key: bytes | None = None,
) -> dict[str, Any]:
    """MACs per sample, total and non-zero parameters and median latency of the final model.

    The model is rebuilt as the run left it (physically smaller after structured pruning);
    unstructured zeros still cost dense kernels, so only ``parameters_nonzero`` shows them.
    Latency is measured with ``threads`` intra-op threads (restored afterwards).
    """
    model, info = load_model(run_dir / MODEL_FILE, key=key)
    network = build_network(params=model.params, info=info)
    x = example_input(info)
    with torch_threads(threads):
        latency = measure_latency(
            model=network, example_input=x, batch_sizes=batch_sizes, repeats=repeats
        )
    return {
        "model": info.name,
        "macs_per_sample": count_macs(model=network, example_input=x),
        "parameters": count_params(model=network),
        "parameters_nonzero": count_params(model=network, nonzero=True),
        "threads": threads,
        "latency_seconds": {str(b): t for b, t in latency.items()},
    }
