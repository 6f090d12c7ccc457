"""Shrink scores are |w|: exact zeros left by L1 shrinkage go first, and the target holds."""

from __future__ import annotations

import torch

from fedprune.prune import PRUNERS
from fedprune.prune.criteria import CRITERIA


def test_zeros_are_pruned_first_and_the_target_is_still_met() -> None:
    w = torch.tensor([0.0, -0.3, 0.0, 0.1, 2.0, -0.05])  # two exact zeros from shrinkage
    scores = CRITERIA.get("shrink")()(params={"w": w})

    masks = PRUNERS.get("layer")().compute_masks(
        scores=scores, masks={"w": torch.ones(6, dtype=torch.bool)}, target=0.5
    )

    assert masks["w"].tolist() == [False, True, False, True, True, False]


def test_more_zeros_than_the_target_prunes_keeps_some_zeros() -> None:
    w = torch.tensor([0.0, 0.0, 0.0, 1.0])
    scores = CRITERIA.get("shrink")()(params={"w": w})

    masks = PRUNERS.get("layer")().compute_masks(
        scores=scores, masks={"w": torch.ones(4, dtype=torch.bool)}, target=0.5
    )

    assert int((~masks["w"]).sum()) == 2
    assert bool(masks["w"][3])
