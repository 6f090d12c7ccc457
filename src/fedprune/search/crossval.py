"""K-fold cross-validation of one setting on the clients' own data.

Each client's local data is cut into ``k`` folds (``data.cv_folds``, seeded by the experiment
seed). For fold ``i`` every client trains on its other folds; the final global model is then
scored on every client's fold ``i`` together, so the accuracy is example-weighted over clients.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch

from fedprune.config import ConfigError, ExperimentConfig, build_config

__all__ = ["FoldResult", "SweepSetupError", "cross_validate", "fold_configs"]


class SweepSetupError(ValueError):
    """A fold's experiment cannot be built from its (valid) config, e.g. too little data."""


@dataclass(frozen=True)
class FoldResult:
    """One fold's run: its validation score and what the final global model looks like."""

    fold: int
    accuracy: float
    loss: float
    examples: int
    sparsity: float
    test_accuracy: float


def fold_configs(
    *, path: str | Path | None = None, overrides: Sequence[str] = (), folds: int
) -> list[ExperimentConfig]:
    """One config per fold from ``path`` and ``overrides``, ``data.cv_folds``/``cv_fold`` set.

    The folds replace any ``data.val_fraction`` split. Raises ``ConfigError`` (one line naming
    the key) if any config is invalid.
    """
    if isinstance(folds, bool) or not isinstance(folds, int) or folds < 2:
        raise ConfigError(f"folds must be an int >= 2, got {folds!r}")
    return [
        build_config(
            path=path,
            # the held-out fold is the validation split
            overrides=[
                *overrides,
                "data.val_fraction=0.0",
                f"data.cv_folds={folds}",
                f"data.cv_fold={i}",
            ],
        )
        for i in range(folds)
    ]


def _run_fold(config: ExperimentConfig) -> FoldResult:
    from fedprune.experiment import Experiment  # heavy; and experiment does not import search
    from fedprune.training import evaluate

    try:
        experiment = Experiment(config=config)
    except (ValueError, FileNotFoundError) as exc:
        raise SweepSetupError(str(exc)) from exc
    result = experiment.run()
    if result.model is None:  # pragma: no cover - run() always sets it
        raise RuntimeError("the run left no model")
    held = [(d.x_val, d.y_val) for d in experiment.client_data]
    x = torch.cat([h[0] for h in held if h[0] is not None])
    y = torch.cat([h[1] for h in held if h[1] is not None])
    experiment.model.load_state_dict(result.model.params)
    accuracy, loss = evaluate(model=experiment.model, x=x, y=y)
    return FoldResult(
        fold=config.data.cv_fold,
        accuracy=accuracy,
        loss=loss,
        examples=int(y.shape[0]),
        sparsity=float(result.summary["global_sparsity"]),
        test_accuracy=float(result.summary["final_accuracy"]),
    )


def cross_validate(
    *,
    configs: Sequence[ExperimentConfig],
    on_fold: Callable[[FoldResult], None] | None = None,
) -> list[FoldResult]:
    """Run every fold config from ``fold_configs`` and score it on its held-out fold."""
    results = []
    for config in configs:
        if config.data.cv_folds is None:
            raise ValueError("cross_validate needs configs with data.cv_folds set")
        results.append(_run_fold(config))
        if on_fold:
            on_fold(results[-1])
    return results
