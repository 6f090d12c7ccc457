"""How a model declares its own structured units (attention heads, feed-forward neurons).

Plain data, kept beside the models so a model can declare units without importing the pruning
package; ``fedprune.prune.structured.units`` scores and removes them.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["UnitSlice", "Units"]


@dataclass(frozen=True)
class UnitSlice:
    """Unit ``i`` owns ``tensor[..., i*size:(i+1)*size, ...]`` along ``dim``."""

    tensor: str
    dim: int
    size: int


@dataclass(frozen=True)
class Units:
    """``count`` units removed together from every slice (a head from q, k, v and out)."""

    count: int
    slices: tuple[UnitSlice, ...]
