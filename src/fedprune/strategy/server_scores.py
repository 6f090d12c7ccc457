"""Importance scores on the server, which holds no data."""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from fedprune.messages import GlobalModel
from fedprune.prune.criteria import CRITERIA, GRADIENT_NEEDS, Need


def server_generator(*, seed: int, rnd: int) -> torch.Generator:
    """A generator seeded from ``(seed, round)``: the same run draws the same scores."""
    return torch.Generator().manual_seed(
        int(np.random.SeedSequence([seed, rnd]).generate_state(1)[0])
    )


def server_scores(
    *, criterion: str, before: GlobalModel, after: GlobalModel, seed: int, rnd: int
) -> dict[str, Tensor]:
    """Scores of ``after``'s prunable tensors under the registered ``criterion``.

    Gradient criteria use the round's pseudo-gradient ``before - after`` in place of a data
    gradient: the model before aggregation minus the aggregate, which under FedAvg is the
    example-weighted mean client update (a sum of local gradient steps). Taylor scores the
    aggregate with it, SNIP the model the round started from (where its gradient would have
    been taken). ``random`` draws from ``server_generator(seed=seed, rnd=rnd)``.
    """
    score = CRITERIA.get(criterion)()
    names = list(after.masks)
    grads = None
    if score.needs in GRADIENT_NEEDS:
        grads = {n: before.params[n] - after.params[n] for n in names}
    generator = server_generator(seed=seed, rnd=rnd) if score.needs is Need.GENERATOR else None
    scored = before if score.needs is Need.INIT_GRADIENTS else after
    return score(params={n: scored.params[n] for n in names}, grads=grads, generator=generator)
