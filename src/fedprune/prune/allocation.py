"""Per-layer sparsities for a global target, from each layer's measured sensitivity curve."""

from __future__ import annotations

import math
from collections.abc import Mapping
from itertools import pairwise

from fedprune.prune.base import check_target

__all__ = ["allocate_sparsity", "convex_curve"]

Curve = list[tuple[float, float]]


def convex_curve(curve: Mapping[float, float]) -> Curve:
    """The curve ``ratio -> drop`` made monotone and convex: the points the allocation uses.

    ``(0, 0)`` is prepended (nothing pruned, nothing lost); a drop that falls as the ratio rises
    is raised to the running maximum (pruning more never helps, measurement noise aside); the
    lower convex hull of what remains is returned, as ``(ratio, drop)`` pairs by ratio.
    """
    points = [(0.0, 0.0)]
    for r, d in sorted((float(r), float(d)) for r, d in curve.items()):
        if not 0.0 <= r <= 1.0 or not math.isfinite(d):
            raise ValueError(f"sensitivity curves need ratios in [0, 1] and finite drops, got {r}")
        if r > 0.0:
            points.append((r, max(d, points[-1][1])))
    hull: Curve = []
    for p in points:  # Andrew's monotone chain, lower half
        while len(hull) >= 2 and _cross(hull[-2], hull[-1], p) <= 0:
            hull.pop()
        hull.append(p)
    return hull


def _cross(o: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def allocate_sparsity(
    *, sensitivity: Mapping[str, Mapping[float, float]], sizes: Mapping[str, int], target: float
) -> dict[str, float]:
    """Per-layer sparsities whose size-weighted mean is ``target``, at the least predicted drop.

    The predicted drop of an allocation is the sum over layers of each layer's drop (measured
    with that layer alone pruned), interpolated linearly between measured ratios. On the
    monotone convex curves of ``convex_curve`` the greedy rule is exact: prune first where the
    drop per pruned weight is smallest. Ties go to the layer listed first.

    Parameters
    ----------
    sensitivity:
        ``layer -> {ratio: drop}``, e.g. from ``layer_sensitivity``.
    sizes:
        ``layer -> number of prunable entries``; the same layers as ``sensitivity``.
    target:
        Global sparsity in ``[0, 1]``; it must not exceed what the measured ratios reach.
    """
    check_target(target)
    if set(sensitivity) != set(sizes):
        raise ValueError(
            f"sensitivity and sizes must name the same layers, got {sorted(sensitivity)} "
            f"and {sorted(sizes)}"
        )
    if any(isinstance(n, bool) or not isinstance(n, int) or n < 1 for n in sizes.values()):
        raise ValueError(f"sizes must be positive ints, got {dict(sizes)}")
    segments = []  # (drop per pruned weight, layer order, segment order, layer, start, end)
    reach = 0.0
    for i, name in enumerate(sensitivity):
        hull = convex_curve(sensitivity[name])
        reach += hull[-1][0] * sizes[name]
        for j, ((r0, d0), (r1, d1)) in enumerate(pairwise(hull)):
            segments.append(((d1 - d0) / ((r1 - r0) * sizes[name]), i, j, name, r0, r1))
    total = sum(sizes.values())
    budget = target * total
    if budget > reach * (1 + 1e-12):
        raise ValueError(
            f"target {target} exceeds the largest sparsity the measured ratios reach "
            f"({reach / total:.4f}); measure higher ratios"
        )
    allocation = dict.fromkeys(sensitivity, 0.0)
    remaining = budget
    # a layer's convex segments have rising slopes, so each layer fills its segments in order
    for _, _, _, name, r0, r1 in sorted(segments, key=lambda s: s[:3]):
        if remaining <= 0:
            break
        take = min((r1 - r0) * sizes[name], remaining)
        allocation[name] = r0 + take / sizes[name]
        remaining -= take
    return allocation
