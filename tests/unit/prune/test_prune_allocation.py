"""``allocate_sparsity`` on hand-made sensitivity curves."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fedprune.prune.allocation import allocate_sparsity, convex_curve

RATIOS = (0.25, 0.5, 0.75, 0.9)


def predicted_drop(curve: dict[float, float], rate: float) -> float:
    hull = convex_curve(curve)
    return float(np.interp(rate, [r for r, _ in hull], [d for _, d in hull]))


def weighted_mean(rates: dict[str, float], sizes: dict[str, int]) -> float:
    return sum(rates[n] * sizes[n] for n in sizes) / sum(sizes.values())


def test_the_flat_layer_is_pruned_before_the_steep_one() -> None:
    sensitivity = {
        "flat": {0.25: 0.0, 0.5: 0.0, 0.75: 0.001, 0.9: 0.002},
        "steep": {0.25: 0.05, 0.5: 0.2, 0.75: 0.4, 0.9: 0.6},
    }
    sizes = {"flat": 100, "steep": 100}

    rates = allocate_sparsity(sensitivity=sensitivity, sizes=sizes, target=0.45)

    assert rates == pytest.approx({"flat": 0.9, "steep": 0.0})
    assert weighted_mean(rates, sizes) == pytest.approx(0.45, abs=1e-12)


def test_equal_curves_prune_the_bigger_layer_first_drop_per_weight_is_smaller() -> None:
    curve = {0.5: 0.05, 0.9: 0.1}
    sizes = {"small": 100, "big": 900}

    rates = allocate_sparsity(sensitivity={"small": curve, "big": curve}, sizes=sizes, target=0.4)

    assert rates["small"] == 0.0
    assert rates["big"] == pytest.approx(400 / 900)


def test_a_noisy_dip_is_raised_and_the_curve_made_convex() -> None:
    assert convex_curve({0.5: 0.2, 0.7: 0.1}) == [(0.0, 0.0), (0.7, 0.2)]
    assert convex_curve({0.5: 0.0, 0.8: 0.1, 0.9: 0.5}) == [
        (0.0, 0.0),
        (0.5, 0.0),
        (0.8, 0.1),
        (0.9, 0.5),
    ]


def test_zero_target_prunes_nothing() -> None:
    rates = allocate_sparsity(
        sensitivity={"a": {0.5: 0.0}, "b": {0.5: 0.1}}, sizes={"a": 3, "b": 4}, target=0.0
    )

    assert rates == {"a": 0.0, "b": 0.0}


@pytest.mark.parametrize(
    ("sensitivity", "sizes", "target", "match"),
    [
        ({"a": {0.5: 0.0}}, {"a": 10}, 0.6, "exceeds the largest sparsity"),
        ({"a": {0.5: 0.0}}, {"b": 10}, 0.1, "must name the same layers"),
        ({"a": {0.5: 0.0}}, {"a": 0}, 0.1, "sizes must be positive ints"),
        ({"a": {1.5: 0.0}}, {"a": 10}, 0.1, r"ratios in \[0, 1\]"),
        ({"a": {0.5: 0.0}}, {"a": 10}, 1.1, "pruning target must be in"),
    ],
)
def test_bad_inputs_are_rejected(sensitivity, sizes, target, match) -> None:
    with pytest.raises(ValueError, match=match):
        allocate_sparsity(sensitivity=sensitivity, sizes=sizes, target=target)


drops = st.lists(st.floats(-0.1, 1.0), min_size=len(RATIOS), max_size=len(RATIOS))


@settings(max_examples=100, deadline=None)
@given(
    curves=st.lists(drops, min_size=1, max_size=4),
    sizes=st.lists(st.integers(1, 5000), min_size=4, max_size=4),
    share=st.floats(0.0, 1.0),
)
def test_any_curves_meet_the_target_within_the_measured_range(curves, sizes, share) -> None:
    names = [f"l{i}" for i in range(len(curves))]
    sensitivity = {n: dict(zip(RATIOS, c, strict=True)) for n, c in zip(names, curves, strict=True)}
    size = dict(zip(names, sizes[: len(names)], strict=True))
    target = share * RATIOS[-1]

    rates = allocate_sparsity(sensitivity=sensitivity, sizes=size, target=target)

    assert weighted_mean(rates, size) == pytest.approx(target, abs=1e-9)
    assert all(0.0 <= r <= RATIOS[-1] + 1e-12 for r in rates.values())


@settings(max_examples=60, deadline=None)
@given(
    increments=st.lists(
        st.lists(st.floats(0.0, 0.3), min_size=len(RATIOS), max_size=len(RATIOS)),
        min_size=2,
        max_size=2,
    ),
    sizes=st.tuples(st.integers(1, 1000), st.integers(1, 1000)),
    share=st.floats(0.0, 1.0),
)
def test_on_convex_curves_no_split_of_the_target_predicts_a_smaller_drop(
    increments, sizes, share
) -> None:
    # rising increments on equal steps would be convex; cumulative sums of sorted ones are
    sensitivity = {
        n: dict(zip(RATIOS, np.cumsum(sorted(inc)).tolist(), strict=True))
        for n, inc in zip("ab", increments, strict=True)
    }
    size = dict(zip("ab", sizes, strict=True))
    target = share * RATIOS[-1]
    rates = allocate_sparsity(sensitivity=sensitivity, sizes=size, target=target)
    cost = sum(predicted_drop(sensitivity[n], rates[n]) for n in "ab")

    # brute force: layer a at every rate of a fine grid, layer b takes the rest if it can
    total = target * sum(sizes)
    splits = [(ra, (total - ra * sizes[0]) / sizes[1]) for ra in np.linspace(0, RATIOS[-1], 2001)]
    best = min(
        (
            predicted_drop(sensitivity["a"], ra) + predicted_drop(sensitivity["b"], rb)
            for ra, rb in splits
            if 0 <= rb <= RATIOS[-1]
        ),
        default=cost,
    )

    assert cost <= best + 1e-9
