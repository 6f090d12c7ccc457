"""Coordinate-wise median over each entry's keepers: exact small numbers and properties."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from fedprune.aggregate import AGGREGATORS, Aggregated, median, option_names, takes_masks

T, F = True, False

# entry 0 kept by all, 1 by clients 0 and 2, 2 by client 1 only, 3 by nobody
TENSORS = [
    {"w": torch.tensor([1.0, 2.0, 0.0, 0.0]), "b": torch.tensor([1.0])},
    {"w": torch.tensor([3.0, 0.0, 5.0, 0.0]), "b": torch.tensor([3.0])},
    {"w": torch.tensor([5.0, 9.0, 0.0, 0.0]), "b": torch.tensor([500.0])},
]
MASKS = [
    {"w": torch.tensor([T, T, F, F])},
    {"w": torch.tensor([T, F, T, F])},
    {"w": torch.tensor([T, T, F, F])},
]


def test_each_entry_is_the_median_of_its_keepers() -> None:
    out = median(tensors=TENSORS, weights=[1, 1, 1], masks=MASKS)

    # entry 0: median(1, 3, 5); entry 1: two keepers, mean of 2 and 9; entry 2: one keeper
    assert torch.equal(out.params["w"], torch.tensor([3.0, 5.5, 5.0, 0.0]))
    assert torch.equal(out.masks["w"], torch.tensor([T, T, T, F]))
    assert torch.equal(out.params["b"], torch.tensor([3.0]))  # the outlier 500 has no say
    assert set(out.masks) == {"w"}


def test_a_pruned_zero_is_not_a_vote() -> None:
    everyone = [{"w": torch.ones(4, dtype=torch.bool)} for _ in TENSORS]

    plain = median(tensors=TENSORS, weights=[1, 1, 1], masks=everyone)

    assert plain.params["w"][1] == 2.0  # median(2, 0, 9): client 1's pruned zero decides
    assert median(tensors=TENSORS, weights=[1, 1, 1], masks=MASKS).params["w"][1] == 5.5


def test_weights_do_not_move_the_median() -> None:
    heavy = median(tensors=TENSORS, weights=[1, 1, 1000], masks=MASKS)

    assert torch.equal(heavy.params["w"], torch.tensor([3.0, 5.5, 5.0, 0.0]))


def test_dtype_and_order_are_kept() -> None:
    tensors = [{"a": torch.tensor([1.0], dtype=torch.float64), "b": torch.tensor([2.0])}] * 2

    out = median(tensors=tensors, weights=[1, 1], masks=[{}, {}])

    assert list(out.params) == ["a", "b"]
    assert out.params["a"].dtype == torch.float64 and out.params["b"].dtype == torch.float32


def test_is_registered_mask_aware_without_options() -> None:
    assert AGGREGATORS.get("median") is median
    assert takes_masks(median) and option_names(median) == ()
    assert isinstance(median(tensors=TENSORS, weights=[1, 1, 1], masks=MASKS), Aggregated)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"masks": MASKS[:2]}, "3 updates but 2 masks"),
        ({"weights": [1, 1]}, "3 updates but 2 weights"),
        ({"masks": [*MASKS[:2], {"w": torch.ones(4)}]}, "must be bool"),
        ({"tensors": [], "weights": [], "masks": []}, "zero updates"),
    ],
)
def test_bad_inputs_are_rejected(kwargs: dict, match: str) -> None:
    args = {"tensors": TENSORS, "weights": [1, 1, 1], "masks": MASKS, **kwargs}

    with pytest.raises(ValueError, match=match):
        median(**args)


rows = st.lists(
    st.tuples(
        st.lists(st.integers(-50, 50), min_size=4, max_size=4),
        st.lists(st.booleans(), min_size=4, max_size=4),
    ),
    min_size=1,
    max_size=7,
)


@settings(max_examples=60, deadline=None)
@given(rows=rows)
def test_median_lies_within_its_keepers_and_splits_them_in_half(
    rows: list[tuple[list[int], list[bool]]],
) -> None:
    tensors = [{"w": torch.tensor(v, dtype=torch.float32)} for v, _ in rows]
    masks = [{"w": torch.tensor(m)} for _, m in rows]

    out = median(tensors=tensors, weights=[1] * len(rows), masks=masks)

    for i in range(4):
        values = [v[i] for v, m in rows if m[i]]
        if not values:
            assert out.params["w"][i] == 0.0 and not out.masks["w"][i]
            continue
        got = float(out.params["w"][i])
        assert min(values) <= got <= max(values)
        assert sum(v < got for v in values) <= len(values) // 2
        assert sum(v > got for v in values) <= len(values) // 2
