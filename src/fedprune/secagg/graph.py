"""Who masks with whom: everyone (SecAgg) or a random k-regular graph (SecAgg+).

Bell et al. 2020, https://eprint.iacr.org/2020/704: with each client masking with and sharing
its secrets among only ``k`` neighbours, client work and bytes grow with ``k`` (``O(log n)``
suffices) instead of ``n``. The graph here is their Harary-graph construction: the clients on
a ring in a random order drawn from public randomness, each joined to the ``k / 2`` nearest on
either side.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def neighbours(
    clients: Sequence[int], *, k: int | None, seed: int | Sequence[int] = 0
) -> dict[int, frozenset[int]]:
    """Each client's peers: all others when ``k`` is None or ``k >= len(clients) - 1``, else
    ``k`` (even) neighbours on a ring permuted by ``seed``."""
    ids = sorted(clients)
    if len(set(ids)) != len(ids):
        raise ValueError("client ids must be distinct")
    n = len(ids)
    if k is None or k >= n - 1:
        return {c: frozenset(ids) - {c} for c in ids}
    if k < 2 or k % 2:
        raise ValueError(f"neighbours must be an even number >= 2, got {k}")
    order = [ids[i] for i in np.random.default_rng(seed).permutation(n)]
    out: dict[int, frozenset[int]] = {}
    for pos, c in enumerate(order):
        out[c] = frozenset(order[(pos + d) % n] for d in range(-k // 2, k // 2 + 1) if d)
    return out
