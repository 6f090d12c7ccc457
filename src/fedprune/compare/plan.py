"""A comparison plan: named variants (config files), seeds, shared overrides, all validated
before any run starts.

Every variant runs with every seed; seed ``s`` is set last (``seed=s``), so all variants of
one seed see the same data, partition and initial model. Variants must agree on ``data``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from fedprune.config import ConfigError, ExperimentConfig, build_config

__all__ = ["CompareError", "ComparePlan", "Variant", "parse_seeds", "plan_compare"]

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


class CompareError(ValueError):
    """A comparison that cannot run as asked, phrased as one line naming the problem."""


@dataclass(frozen=True)
class Variant:
    """One arm of the comparison: its name (a folder name), config file and per-seed configs."""

    name: str
    config: Path
    configs: dict[int, ExperimentConfig]


@dataclass(frozen=True)
class ComparePlan:
    """Every run of a comparison."""

    variants: list[Variant]
    seeds: list[int]
    overrides: list[str]
    target: float | None

    @property
    def runs(self) -> int:
        """Number of federated runs."""
        return len(self.variants) * len(self.seeds)

    @property
    def rounds(self) -> int:
        """Federated rounds over all runs (for progress)."""
        return sum(c.federation.rounds for v in self.variants for c in v.configs.values())


def parse_seeds(values: Sequence[str]) -> list[int]:
    """Seeds from ``--seeds`` values, each one seed or a comma list (``0,1,2``); no repeats."""
    seeds = []
    for value in values:
        for part in value.split(","):
            try:
                seeds.append(int(part.strip()))
            except ValueError:
                raise CompareError(f"--seeds: {part.strip()!r} is not an integer") from None
    if not seeds:
        raise CompareError("--seeds: give at least one seed, e.g. --seeds 0,1")
    if len(set(seeds)) != len(seeds):
        raise CompareError(f"--seeds: repeated seed in {seeds}")
    return seeds


def _names(configs: Sequence[Path], names: Sequence[str]) -> list[str]:
    if names and len(names) != len(configs):
        raise CompareError(f"give one --name per --config ({len(configs)}), got {len(names)}")
    chosen = list(names) or [p.stem for p in configs]
    for name in chosen:
        if not _NAME.fullmatch(name):
            raise CompareError(f"variant name {name!r}: use letters, digits, '.', '_' or '-'")
    if len(set(chosen)) != len(chosen):
        raise CompareError(f"variant names repeat ({', '.join(chosen)}): pass --name for each")
    return chosen


def _same_data(variants: Sequence[Variant], seed: int) -> None:
    first = variants[0]
    reference = first.configs[seed].data.model_dump()
    for other in variants[1:]:
        data = other.configs[seed].data.model_dump()
        for key, value in reference.items():
            if data[key] != value:
                raise CompareError(
                    f"variants {first.name} and {other.name} differ in data.{key} "
                    f"({value!r} vs {data[key]!r}): compare needs the same data and partitions"
                )


def plan_compare(
    *,
    configs: Sequence[Path],
    names: Sequence[str] = (),
    overrides: Sequence[str] = (),
    seeds: Sequence[int] = (0,),
    target: float | None = None,
) -> ComparePlan:
    """Build the config of every variant and seed; ``CompareError`` names the first problem."""
    if not configs:
        raise CompareError("give at least one --config (one per variant)")
    if not seeds:
        raise CompareError("give at least one seed")
    if target is not None and not 0 < target <= 1:
        raise CompareError(f"--target-accuracy must be in (0, 1], got {target}")
    variants = []
    for name, path in zip(_names(configs, names), configs, strict=True):
        try:
            built = {s: build_config(path=path, overrides=[*overrides, f"seed={s}"]) for s in seeds}
        except ConfigError as exc:
            raise CompareError(f"variant {name}: {exc}") from None
        variants.append(Variant(name=name, config=path, configs=built))
    _same_data(variants, seeds[0])
    return ComparePlan(
        variants=variants, seeds=list(seeds), overrides=list(overrides), target=target
    )
