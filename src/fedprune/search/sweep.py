"""A sweep: cross-validate every grid point, pick the sparsest one that stays near dense."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import Any

from fedprune.config import ConfigError, ExperimentConfig, build_config
from fedprune.search.crossval import FoldResult, cross_validate, fold_configs
from fedprune.search.grid import GridPoint, parse_grid
from fedprune.search.selection import fold_stats, select, within_tolerance

__all__ = ["PointResult", "SweepPlan", "SweepResult", "plan_sweep", "run_sweep", "write_sweep"]


@dataclass(frozen=True)
class SweepPlan:
    """Every run of a sweep, validated before any of them starts."""

    base: ExperimentConfig
    points: list[GridPoint]
    configs: list[list[ExperimentConfig]]  # per point, one config per fold
    folds: int
    tolerance: float

    @property
    def runs(self) -> int:
        """Number of federated runs the sweep makes."""
        return len(self.points) * self.folds


def _mean_sparsity(folds: Sequence[FoldResult]) -> float:
    return sum(f.sparsity for f in folds) / len(folds)


@dataclass(frozen=True)
class PointResult:
    """A grid point's fold results and where it stands against the dense baseline."""

    point: GridPoint
    folds: list[FoldResult]
    within_tolerance: bool
    chosen: bool

    @property
    def sparsity(self) -> float:
        """Mean global sparsity the final models reached over the folds."""
        return _mean_sparsity(self.folds)

    @property
    def accuracy(self) -> tuple[float, float]:
        """Mean and standard deviation of the fold accuracies."""
        return fold_stats([f.accuracy for f in self.folds])


@dataclass(frozen=True)
class SweepResult:
    """Every point's results, the choice, and the settings that produced them."""

    plan: SweepPlan
    points: list[PointResult]
    chosen: int

    def to_json(self) -> dict[str, Any]:
        """The content of ``sweep.json``."""
        rows = []
        for i, p in enumerate(self.points):
            mean, std = p.accuracy
            rows.append(
                {
                    "index": i,
                    "label": p.point.label,
                    "overrides": list(p.point.overrides),
                    "dense": p.point.dense,
                    "sparsity": p.sparsity,
                    "accuracy_mean": mean,
                    "accuracy_std": std,
                    "within_tolerance": p.within_tolerance,
                    "chosen": p.chosen,
                    "folds": [asdict(f) for f in p.folds],
                }
            )
        return {
            "seed": self.plan.base.seed,
            "folds": self.plan.folds,
            "tolerance": self.plan.tolerance,
            "metric": "accuracy",
            "chosen": {k: rows[self.chosen][k] for k in ("index", "label", "overrides")},
            "points": rows,
            "config": self.plan.base.model_dump(mode="json"),
        }


def plan_sweep(
    *,
    path: str | Path | None = None,
    overrides: Sequence[str] = (),
    grid: Sequence[str],
    folds: int,
    tolerance: float = 0.01,
) -> SweepPlan:
    """Parse the grid and validate every run's config; ``ConfigError`` names the first problem.

    ``path`` and ``overrides`` give the base config; ``grid`` holds ``section.key=v1,v2,...``
    specs (see ``parse_grid``); the dense baseline is always point 0.
    """
    if not 0 <= tolerance <= 1:
        raise ConfigError(f"tolerance must be in [0, 1] accuracy points, got {tolerance}")
    base = build_config(path=path, overrides=overrides)
    points = parse_grid(grid)
    configs = []
    for point in points:
        try:
            configs.append(
                fold_configs(path=path, overrides=[*overrides, *point.overrides], folds=folds)
            )
        except ConfigError as exc:
            raise ConfigError(f"grid point {point.label}: {exc}") from None
    return SweepPlan(base=base, points=points, configs=configs, folds=folds, tolerance=tolerance)


def run_sweep(
    *, plan: SweepPlan, on_fold: Callable[[GridPoint, FoldResult], None] | None = None
) -> SweepResult:
    """Cross-validate every point of ``plan`` and choose one (``selection.select``)."""
    scored = [
        cross_validate(configs=configs, on_fold=partial(on_fold, point) if on_fold else None)
        for point, configs in zip(plan.points, plan.configs, strict=True)
    ]
    table = [(_mean_sparsity(folds), [f.accuracy for f in folds]) for folds in scored]
    dense = next(i for i, p in enumerate(plan.points) if p.dense)
    ok = within_tolerance(table=table, dense=dense, tolerance=plan.tolerance)
    chosen = select(table=table, dense=dense, tolerance=plan.tolerance)
    points = [
        PointResult(point=p, folds=folds, within_tolerance=good, chosen=i == chosen)
        for i, (p, folds, good) in enumerate(zip(plan.points, scored, ok, strict=True))
    ]
    return SweepResult(plan=plan, points=points, chosen=chosen)


def write_sweep(*, result: SweepResult, out: Path) -> Path:
    """Write ``out/sweep.json`` and return its path."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / "sweep.json"
    path.write_text(json.dumps(result.to_json(), indent=2) + "\n", encoding="utf-8")
    return path
