"""Magnitude scores are |w|."""

from __future__ import annotations

import torch

from fedprune.prune.criteria import CRITERIA


def test_magnitude_scores_are_absolute_values_detached() -> None:
    w = torch.tensor([[-2.0, 0.5], [0.0, 3.0]], requires_grad=True)

    scores = CRITERIA.get("magnitude")()(params={"w": w})

    assert torch.equal(scores["w"], torch.tensor([[2.0, 0.5], [0.0, 3.0]]))
    assert not scores["w"].requires_grad
