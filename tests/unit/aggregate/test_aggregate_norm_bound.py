"""Norm bounding: each update's change clipped on its kept entries, then the mask-aware mean."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from fedprune.aggregate import (
    AGGREGATORS,
    clip_factor,
    norm_bounded_mean,
    option_names,
    required_options,
    takes_reference,
    update_norm,
)

T, F = True, False
REFERENCE = {"w": torch.tensor([1.0, 1.0, 1.0]), "b": torch.tensor([0.0])}


def test_update_norm_counts_only_the_entries_the_update_keeps() -> None:
    params = {"w": torch.tensor([7.0, 9.0, 0.0]), "b": torch.tensor([0.0])}

    kept = update_norm(params=params, masks={"w": torch.tensor([T, T, F])}, reference=REFERENCE)
    dense = update_norm(params=params, masks={}, reference=REFERENCE)

    assert kept == 10.0  # |(6, 8)|
    assert dense == math.sqrt(36 + 64 + 1)


def test_clip_factor() -> None:
    assert clip_factor(norm=10.0, bound=5.0) == 0.5
    assert clip_factor(norm=3.0, bound=5.0) == 1.0
    assert clip_factor(norm=0.0, bound=5.0) == 1.0


def test_large_changes_are_scaled_to_the_bound_then_averaged_over_keepers() -> None:
    tensors = [
        {"w": torch.tensor([7.0, 9.0, 0.0]), "b": torch.tensor([0.0])},  # change (6, 8): x 0.5
        {"w": torch.tensor([1.0, 1.0, 4.0]), "b": torch.tensor([4.0])},  # norm 5: kept as is
    ]
    masks = [{"w": torch.tensor([T, T, F])}, {"w": torch.tensor([T, T, T])}]

    out = norm_bounded_mean(
        tensors=tensors, weights=[1, 3], masks=masks, reference=REFERENCE, norm_bound=5.0
    )

    # client 0 proposes (4, 5, -), b 0; client 1 (1, 1, 4), b 4; weights 1 and 3
    assert torch.equal(out.params["w"], torch.tensor([1.75, 2.0, 4.0]))
    assert torch.equal(out.params["b"], torch.tensor([3.0]))
    assert torch.equal(out.masks["w"], torch.tensor([T, T, T]))


def test_is_registered_needing_the_reference_and_its_bound() -> None:
    fn = AGGREGATORS.get("norm_bound")
    assert fn is norm_bounded_mean
    assert takes_reference(fn) and option_names(fn) == ("norm_bound",)
    assert required_options(fn) == ("norm_bound",)


@pytest.mark.parametrize("bound", [0.0, -1.0, float("nan")])
def test_the_bound_must_be_positive(bound: float) -> None:
    with pytest.raises(ValueError, match="norm_bound"):
        norm_bounded_mean(
            tensors=[REFERENCE], weights=[1], masks=[{}], reference=REFERENCE, norm_bound=bound
        )


updates = st.lists(
    st.tuples(
        st.lists(st.floats(-100, 100), min_size=3, max_size=3),
        st.integers(1, 10),
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=60, deadline=None)
@given(updates=updates, bound=st.floats(0.01, 50))
def test_the_global_step_never_exceeds_the_bound(
    updates: list[tuple[list[float], int]], bound: float
) -> None:
    reference = {"w": torch.tensor([1.0, -2.0, 3.0], dtype=torch.float64)}
    tensors = [{"w": torch.tensor(v, dtype=torch.float64)} for v, _ in updates]
    masks = [{"w": torch.ones(3, dtype=torch.bool)} for _ in updates]

    out = norm_bounded_mean(
        tensors=tensors,
        weights=[w for _, w in updates],
        masks=masks,
        reference=reference,
        norm_bound=bound,
    )

    assert float((out.params["w"] - reference["w"]).norm()) <= bound * (1 + 1e-9)
