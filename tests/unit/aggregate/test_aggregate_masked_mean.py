"""Mask-aware mean with minimum votes: exact small numbers, errors and properties."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from fedprune.aggregate import (
    AGGREGATORS,
    Aggregated,
    masked_mean,
    option_names,
    takes_masks,
    weighted_mean,
)

T, F = True, False

# entry 0 kept by all, 1 by clients 0 and 2, 2 by client 1 only, 3 by nobody
TENSORS = [
    {"w": torch.tensor([1.0, 2.0, 0.0, 0.0]), "b": torch.tensor([1.0])},
    {"w": torch.tensor([3.0, 0.0, 5.0, 0.0]), "b": torch.tensor([3.0])},
    {"w": torch.tensor([5.0, 5.0, 0.0, 0.0]), "b": torch.tensor([5.0])},
]
MASKS = [
    {"w": torch.tensor([T, T, F, F])},
    {"w": torch.tensor([T, F, T, F])},
    {"w": torch.tensor([T, T, F, F])},
]
WEIGHTS = [1, 1, 2]


def test_each_entry_is_averaged_over_the_clients_that_kept_it() -> None:
    out = masked_mean(tensors=TENSORS, weights=WEIGHTS, masks=MASKS)

    # entry 0: (1 + 3 + 2*5) / 4 = 3.5; entry 1: (2 + 2*5) / 3 = 4; entry 2: 5 (one keeper)
    assert torch.equal(out.params["w"], torch.tensor([3.5, 4.0, 5.0, 0.0]))
    assert torch.equal(out.masks["w"], torch.tensor([T, T, T, F]))


def test_entries_with_too_few_votes_are_pruned() -> None:
    out = masked_mean(tensors=TENSORS, weights=WEIGHTS, masks=MASKS, min_votes=2)

    assert torch.equal(out.params["w"], torch.tensor([3.5, 4.0, 0.0, 0.0]))
    assert torch.equal(out.masks["w"], torch.tensor([T, T, F, F]))


def test_entries_with_too_small_a_weight_share_are_pruned() -> None:
    # shares: 1, 3/4, 1/4, 0
    kept = masked_mean(tensors=TENSORS, weights=WEIGHTS, masks=MASKS, min_share=0.25)
    cut = masked_mean(tensors=TENSORS, weights=WEIGHTS, masks=MASKS, min_share=0.5)

    assert torch.equal(kept.masks["w"], torch.tensor([T, T, T, F]))
    assert torch.equal(cut.masks["w"], torch.tensor([T, T, F, F]))
    assert torch.equal(cut.params["w"], torch.tensor([3.5, 4.0, 0.0, 0.0]))


def test_unmasked_tensors_get_the_plain_weighted_mean() -> None:
    out = masked_mean(tensors=TENSORS, weights=WEIGHTS, masks=MASKS, min_votes=3)

    assert torch.equal(out.params["b"], torch.tensor([3.5]))  # (1 + 3 + 10) / 4
    assert set(out.masks) == {"w"}
    assert list(out.params) == ["w", "b"]


def test_plain_mean_shrinks_pruned_entries_where_the_masked_mean_does_not() -> None:
    plain = weighted_mean(tensors=TENSORS, weights=WEIGHTS)

    assert plain["w"][1] == 3.0  # (2 + 0 + 10) / 4: client 1's pruned zero pulls it down


def test_a_zero_weight_keeper_alone_does_not_keep_an_entry() -> None:
    out = masked_mean(tensors=TENSORS, weights=[1, 0, 2], masks=MASKS)

    assert not bool(out.masks["w"][2])
    assert out.params["w"][2] == 0.0


def test_is_registered_mask_aware_with_its_options() -> None:
    assert AGGREGATORS.get("masked_mean") is masked_mean
    assert takes_masks(masked_mean) and not takes_masks(weighted_mean)
    assert option_names(masked_mean) == ("min_votes", "min_share")
    assert option_names(weighted_mean) == ()
    assert isinstance(masked_mean(tensors=TENSORS, weights=WEIGHTS, masks=MASKS), Aggregated)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"masks": MASKS[:2]}, "3 updates but 2 masks"),
        ({"min_votes": 0}, "min_votes"),
        ({"min_votes": 1.5}, "min_votes"),
        ({"min_share": 1.5}, "min_share"),
        ({"masks": [*MASKS[:2], {}]}, "update 2 has masks"),
        ({"masks": [*MASKS[:2], {"w": torch.ones(4)}]}, "must be bool"),
        ({"masks": [*MASKS[:2], {"w": torch.ones(3, dtype=torch.bool)}]}, "shape"),
    ],
)
def test_bad_inputs_are_rejected(kwargs: dict, match: str) -> None:
    args = {"tensors": TENSORS, "weights": WEIGHTS, "masks": MASKS, **kwargs}

    with pytest.raises(ValueError, match=match):
        masked_mean(**args)


def test_zero_updates_is_an_error() -> None:
    with pytest.raises(ValueError, match="zero updates"):
        masked_mean(tensors=[], weights=[], masks=[])


rows = st.lists(
    st.tuples(
        st.lists(st.integers(-50, 50), min_size=4, max_size=4),
        st.lists(st.booleans(), min_size=4, max_size=4),
        st.integers(1, 20),
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=60, deadline=None)
@given(rows=rows, min_votes=st.integers(1, 4))
def test_kept_entries_lie_between_their_keepers_and_the_rest_are_zero(
    rows: list[tuple[list[int], list[bool], int]], min_votes: int
) -> None:
    tensors = [{"w": torch.tensor(v, dtype=torch.float32)} for v, _, _ in rows]
    masks = [{"w": torch.tensor(m)} for _, m, _ in rows]

    out = masked_mean(
        tensors=tensors, weights=[w for *_, w in rows], masks=masks, min_votes=min_votes
    )

    votes = torch.stack([m["w"] for m in masks]).sum(0)
    assert torch.equal(out.masks["w"], votes >= min_votes)
    for i in range(4):
        values = [float(t["w"][i]) for t, m in zip(tensors, masks, strict=True) if m["w"][i]]
        if out.masks["w"][i]:
            assert min(values) - 1e-4 <= float(out.params["w"][i]) <= max(values) + 1e-4
        else:
            assert out.params["w"][i] == 0.0


@settings(max_examples=30, deadline=None)
@given(rows=rows)
def test_with_every_entry_kept_it_is_the_weighted_mean(
    rows: list[tuple[list[int], list[bool], int]],
) -> None:
    tensors = [{"w": torch.tensor(v, dtype=torch.float32)} for v, _, _ in rows]
    weights = [w for *_, w in rows]
    masks = [{"w": torch.ones(4, dtype=torch.bool)} for _ in rows]

    out = masked_mean(tensors=tensors, weights=weights, masks=masks)

    torch.testing.assert_close(
        out.params["w"], weighted_mean(tensors=tensors, weights=weights)["w"], rtol=0, atol=1e-4
    )
    assert bool(out.masks["w"].all())
