"""Coordinate-wise trimmed mean over each entry's keepers: exact small numbers and properties."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from fedprune.aggregate import AGGREGATORS, masked_mean, option_names, trimmed_mean

T, F = True, False

# one entry kept by all five clients, one by four (client 4 pruned it), one by nobody
TENSORS = [
    {"w": torch.tensor([1.0, 1.0, 0.0])},
    {"w": torch.tensor([2.0, 2.0, 0.0])},
    {"w": torch.tensor([3.0, 3.0, 0.0])},
    {"w": torch.tensor([4.0, 100.0, 0.0])},
    {"w": torch.tensor([100.0, 0.0, 0.0])},
]
MASKS = [{"w": torch.tensor([T, T, F])}] * 4 + [{"w": torch.tensor([T, F, F])}]
ONES = [1] * 5


def test_trims_the_same_count_at_each_end_of_each_entrys_keepers() -> None:
    out = trimmed_mean(tensors=TENSORS, weights=ONES, masks=MASKS, trim=0.25)

    # entry 0: floor(0.25 * 5) = 1 cut each end -> mean(2, 3, 4); entry 1: 4 keepers, 1 cut
    # each end -> mean(2, 3); entry 2: nobody keeps it
    assert torch.equal(out.params["w"], torch.tensor([3.0, 2.5, 0.0]))
    assert torch.equal(out.masks["w"], torch.tensor([T, T, F]))


def test_a_trim_below_one_client_cuts_nothing() -> None:
    out = trimmed_mean(tensors=TENSORS, weights=ONES, masks=MASKS, trim=0.15)

    # floor(0.75) = floor(0.6) = 0: the plain mean of the keepers
    assert torch.equal(out.params["w"], torch.tensor([22.0, 26.5, 0.0]))


def test_trim_zero_is_the_unweighted_masked_mean() -> None:
    out = trimmed_mean(tensors=TENSORS, weights=[1, 2, 3, 4, 5], masks=MASKS, trim=0.0)
    ref = masked_mean(tensors=TENSORS, weights=ONES, masks=MASKS)

    assert torch.equal(out.params["w"], ref.params["w"])


def test_a_trim_that_lands_a_hair_under_an_integer_still_cuts() -> None:
    # 0.29 * 100 is 28.999999999999996 in floating point: 29 values must go at each end
    tensors = [{"w": torch.tensor([float(v)])} for v in range(100)]

    out = trimmed_mean(tensors=tensors, weights=[1] * 100, masks=[{}] * 100, trim=0.29)

    assert out.params["w"].item() == 49.5  # mean of 29..70
    assert trimmed_mean(tensors=tensors, weights=[1] * 100, masks=[{}] * 100, trim=0.3).params[
        "w"
    ].item() == pytest.approx(49.5)


def test_is_registered_with_its_option() -> None:
    assert AGGREGATORS.get("trimmed_mean") is trimmed_mean
    assert option_names(trimmed_mean) == ("trim",)


@pytest.mark.parametrize("trim", [-0.1, 0.5, 0.7, float("nan")])
def test_trim_must_leave_a_value(trim: float) -> None:
    with pytest.raises(ValueError, match="trim"):
        trimmed_mean(tensors=TENSORS, weights=ONES, masks=MASKS, trim=trim)


rows = st.lists(
    st.tuples(
        st.lists(st.integers(-50, 50), min_size=3, max_size=3),
        st.lists(st.booleans(), min_size=3, max_size=3),
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=60, deadline=None)
@given(rows=rows, trim=st.floats(0, 0.49))
def test_lies_within_the_kept_values_left_after_trimming(
    rows: list[tuple[list[int], list[bool]]], trim: float
) -> None:
    tensors = [{"w": torch.tensor(v, dtype=torch.float32)} for v, _ in rows]
    masks = [{"w": torch.tensor(m)} for _, m in rows]

    out = trimmed_mean(tensors=tensors, weights=[1] * len(rows), masks=masks, trim=trim)

    for i in range(3):
        values = sorted(v[i] for v, m in rows if m[i])
        if not values:
            assert out.params["w"][i] == 0.0 and not out.masks["w"][i]
            continue
        cut = int(trim * len(values) + 1e-9)
        left = values[cut : len(values) - cut]
        got = float(out.params["w"][i])
        assert left[0] - 1e-4 <= got <= left[-1] + 1e-4  # so within min..max of the inputs
