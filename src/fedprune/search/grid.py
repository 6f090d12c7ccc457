"""Sweep grids: ``section.key=v1,v2,...`` specs expanded into config overrides, dense first."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from fedprune.config import ConfigError

__all__ = ["DENSE", "GridError", "GridPoint", "parse_grid", "split_values"]

# Keys the sweep sets on every run; a grid over them would break the cross-validation.
RESERVED = ("data.cv_folds", "data.cv_fold", "data.val_fraction")


class GridError(ConfigError):
    """A bad grid spec, phrased as one line naming the spec and the problem."""


@dataclass(frozen=True)
class GridPoint:
    """One setting of a sweep: ``key=value`` overrides applied on top of the base config."""

    overrides: tuple[str, ...]
    label: str
    dense: bool = False


DENSE = GridPoint(overrides=("pruning.mode=none",), label="dense", dense=True)


def split_values(text: str) -> list[str]:
    """Split on commas outside brackets, so ``int4(channel, stochastic)+ans`` stays one value."""
    values, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += (ch in "([{") - (ch in ")]}")
        if ch == "," and depth == 0:
            values.append(text[start:i].strip())
            start = i + 1
    values.append(text[start:].strip())
    return values


def parse_grid(specs: Sequence[str]) -> list[GridPoint]:
    """The dense baseline (``pruning.mode=none``), then every combination of the specs' values.

    Each spec is ``section.key=v1,v2,...``; values parse later as ``--set`` values do. Several
    specs span their cartesian product, the first spec varying slowest.

    Raises
    ------
    GridError
        No spec, a spec without ``=`` or values, an empty or repeated value, a key given twice,
        or a key the sweep sets itself.
    """
    if not specs:
        raise GridError("the grid is empty; give at least one section.key=v1,v2,...")
    axes: list[list[str]] = []
    keys: set[str] = set()
    for spec in specs:
        key, sep, raw = spec.partition("=")
        key = key.strip()
        if not sep or not key or not raw.strip():
            raise GridError(f"grid {spec!r} must look like section.key=v1,v2,...")
        if key in RESERVED:
            raise GridError(f"grid {spec!r}: {key} is set by the sweep itself (use --folds)")
        if key in keys:
            raise GridError(f"grid key {key} is given twice; list all its values in one spec")
        keys.add(key)
        values = split_values(raw)
        if not all(values):
            raise GridError(f"grid {spec!r} has an empty value")
        if len(set(values)) != len(values):
            raise GridError(f"grid {spec!r} repeats a value")
        axes.append([f"{key}={v}" for v in values])
    return [DENSE] + [
        GridPoint(overrides=combo, label=", ".join(combo)) for combo in itertools.product(*axes)
    ]
