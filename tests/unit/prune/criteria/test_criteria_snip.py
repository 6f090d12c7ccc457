"""SNIP scores |w * g| from the gradient it is given."""

from __future__ import annotations

import pytest
import torch

from fedprune.prune import PRUNERS
from fedprune.prune.criteria import CRITERIA


def test_snip_scores_are_weight_times_gradient_in_absolute_value() -> None:
    w = torch.tensor([1.0, -2.0, 3.0, 0.5])
    g = torch.tensor([0.5, 0.5, -0.1, -4.0])

    scores = CRITERIA.get("snip")()(params={"w": w}, grads={"w": g})

    torch.testing.assert_close(scores["w"], torch.tensor([0.5, 1.0, 0.3, 2.0]))


def test_snip_prunes_a_large_weight_with_a_small_gradient_before_a_small_weight() -> None:
    w = torch.tensor([1.0, -2.0, 3.0, 0.5])
    g = torch.tensor([0.5, 0.5, -0.1, -4.0])
    scores = CRITERIA.get("snip")()(params={"w": w}, grads={"w": g})

    masks = PRUNERS.get("layer")().compute_masks(
        scores=scores, masks={"w": torch.ones(4, dtype=torch.bool)}, target=0.5
    )

    # scores 0.5, 1.0, 0.3, 2.0: the weight 3.0 goes, magnitude would have kept it
    assert masks["w"].tolist() == [False, True, False, True]


@pytest.mark.parametrize("grads", [None, {"other": torch.ones(2)}])
def test_snip_without_gradients_for_every_tensor_refuses(grads: dict | None) -> None:
    with pytest.raises(ValueError, match="snip"):
        CRITERIA.get("snip")()(params={"w": torch.ones(2)}, grads=grads)
