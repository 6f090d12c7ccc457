"""Taylor scores |w * g| with the mean training gradient."""

from __future__ import annotations

import pytest
import torch

from fedprune.prune.criteria import CRITERIA


def test_taylor_scores_are_weight_times_gradient_in_absolute_value() -> None:
    w = torch.tensor([[1.0, -1.0], [2.0, 0.0]])
    g = torch.tensor([[0.25, 0.25], [-0.25, -0.25]])

    scores = CRITERIA.get("taylor")()(params={"w": w}, grads={"w": g})

    assert torch.equal(scores["w"], torch.tensor([[0.25, 0.25], [0.5, 0.0]]))


def test_taylor_without_gradients_refuses() -> None:
    with pytest.raises(ValueError, match="taylor"):
        CRITERIA.get("taylor")()(params={"w": torch.ones(2)})
