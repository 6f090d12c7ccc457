"""The selection rule: the sparsest setting whose cross-validated accuracy stays near dense."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["fold_stats", "select", "within_tolerance"]

# Float slack so a point exactly ``tolerance`` below dense counts as within it.
_SLACK = 1e-12

Row = tuple[float, Sequence[float]]  # (sparsity, one accuracy per fold)


def fold_stats(scores: Sequence[float]) -> tuple[float, float]:
    """Mean and (population, ``ddof=0``) standard deviation of per-fold scores."""
    if len(scores) == 0:
        raise ValueError("a grid point needs at least one fold score")
    a = np.asarray(scores, dtype=np.float64)
    return float(a.mean()), float(a.std())


def within_tolerance(*, table: Sequence[Row], dense: int, tolerance: float) -> list[bool]:
    """Whether each row's mean accuracy is at least the dense row's mean minus ``tolerance``.

    Parameters
    ----------
    table:
        ``(sparsity, fold scores)`` per grid point.
    dense:
        Index of the dense baseline row.
    tolerance:
        Accuracy points (``0.01`` = one percentage point) a setting may lose, ``>= 0``.
    """
    if not 0 <= dense < len(table):
        raise ValueError(f"dense must index the table (0..{len(table) - 1}), got {dense}")
    if not 0 <= tolerance <= 1:
        raise ValueError(f"tolerance must be in [0, 1] accuracy points, got {tolerance}")
    floor = fold_stats(table[dense][1])[0] - tolerance - _SLACK
    return [fold_stats(scores)[0] >= floor for _, scores in table]


def select(*, table: Sequence[Row], dense: int = 0, tolerance: float = 0.01) -> int:
    """Index of the highest-sparsity row within ``tolerance`` of dense (see ``within_tolerance``).

    Equal sparsity goes to the higher mean accuracy, then to the earlier row. The dense row is
    always within tolerance, so there is always a choice.
    """
    ok = within_tolerance(table=table, dense=dense, tolerance=tolerance)
    candidates = [i for i, good in enumerate(ok) if good]
    return max(candidates, key=lambda i: (table[i][0], fold_stats(table[i][1])[0], -i))
