"""The criterion registry: every criterion declares its needs and is called keyword-only."""

from __future__ import annotations

import pytest
import torch

from fedprune.prune.criteria import CRITERIA, Need


def test_the_registry_holds_every_criterion_with_its_needs() -> None:
    needs = {name: CRITERIA.get(name).needs for name in CRITERIA}

    assert needs == {
        "magnitude": Need.NOTHING,
        "random": Need.GENERATOR,
        "shrink": Need.NOTHING,
        "snip": Need.INIT_GRADIENTS,
        "taylor": Need.TRAIN_GRADIENTS,
    }


@pytest.mark.parametrize("name", ["magnitude", "random", "shrink", "snip", "taylor"])
def test_params_cannot_be_passed_positionally(name: str) -> None:
    with pytest.raises(TypeError):
        CRITERIA.get(name)()({"w": torch.ones(2)})  # type: ignore[misc]


def test_an_unknown_criterion_lists_the_allowed_ones() -> None:
    with pytest.raises(ValueError, match="magnitude, random, shrink, snip, taylor"):
        CRITERIA.get("hessian")
