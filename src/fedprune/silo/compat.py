"""Which experiment settings data-parallel silo training (``train.silo_workers > 1``) refuses."""

from __future__ import annotations

from typing import Any


def silo_problem(cfg: Any) -> str | None:
    """Why ``cfg`` (an ``ExperimentConfig``) cannot train silos data-parallel, or ``None``."""
    t = cfg.train
    if t.silo_workers == 1:
        return None
    if t.adversarial != "none":
        return (
            f"train.silo_workers = {t.silo_workers} does not support train.adversarial "
            f"({t.adversarial!r}); use train.silo_workers = 1"
        )
    if cfg.pruning.criterion == "taylor":
        return (
            f"train.silo_workers = {t.silo_workers} does not support pruning.criterion = "
            "'taylor' (it accumulates gradients during training); use train.silo_workers = 1"
        )
    return None
