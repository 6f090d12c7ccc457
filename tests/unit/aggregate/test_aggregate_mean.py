"""The example-weighted mean (FedAvg rule): exact small numbers, errors and properties."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from fedprune.aggregate import AGGREGATORS, weighted_mean


def test_equal_weights_give_the_plain_mean() -> None:
    a = {"w": torch.tensor([1.0, 2.0]), "b": torch.tensor([0.0])}
    b = {"w": torch.tensor([3.0, 6.0]), "b": torch.tensor([4.0])}

    out = weighted_mean(tensors=[a, b], weights=[1, 1])

    assert torch.equal(out["w"], torch.tensor([2.0, 4.0]))
    assert torch.equal(out["b"], torch.tensor([2.0]))


def test_weights_are_proportional_to_examples() -> None:
    a = {"w": torch.tensor([[0.0, 4.0]])}
    b = {"w": torch.tensor([[8.0, 0.0]])}

    out = weighted_mean(tensors=[a, b], weights=[30, 10])

    # (30 * [0, 4] + 10 * [8, 0]) / 40 = [2, 3]
    assert torch.equal(out["w"], torch.tensor([[2.0, 3.0]]))


def test_only_relative_weights_matter() -> None:
    a = {"w": torch.tensor([1.0, -1.0])}
    b = {"w": torch.tensor([5.0, 3.0])}

    small = weighted_mean(tensors=[a, b], weights=[1, 3])
    large = weighted_mean(tensors=[a, b], weights=[100, 300])

    assert torch.equal(small["w"], torch.tensor([4.0, 2.0]))
    assert torch.equal(large["w"], small["w"])


def test_a_zero_weight_client_is_ignored() -> None:
    a = {"w": torch.tensor([2.0])}
    b = {"w": torch.tensor([1000.0])}

    out = weighted_mean(tensors=[a, b], weights=[5, 0])

    assert torch.equal(out["w"], torch.tensor([2.0]))


def test_output_keeps_the_input_dtype_and_shape() -> None:
    a = {"w": torch.ones(2, 3, dtype=torch.float64)}

    out = weighted_mean(tensors=[a], weights=[1])

    assert out["w"].dtype == torch.float64
    assert out["w"].shape == (2, 3)


def test_inputs_are_not_modified() -> None:
    a = {"w": torch.tensor([1.0, 2.0])}
    b = {"w": torch.tensor([3.0, 4.0])}

    weighted_mean(tensors=[a, b], weights=[1, 1])

    assert torch.equal(a["w"], torch.tensor([1.0, 2.0]))
    assert torch.equal(b["w"], torch.tensor([3.0, 4.0]))


def test_is_registered_as_mean() -> None:
    assert AGGREGATORS.get("mean") is weighted_mean


def test_zero_updates_is_an_error() -> None:
    with pytest.raises(ValueError, match="zero updates"):
        weighted_mean(tensors=[], weights=[])


def test_weight_count_must_match_update_count() -> None:
    a = {"w": torch.tensor([1.0])}

    with pytest.raises(ValueError, match="2 updates but 1 weights"):
        weighted_mean(tensors=[a, a], weights=[1])


@pytest.mark.parametrize("weights", [[0, 0], [0.0]])
def test_weights_summing_to_zero_are_an_error(weights: list[float]) -> None:
    a = {"w": torch.tensor([1.0])}

    with pytest.raises(ValueError, match="sum to > 0"):
        weighted_mean(tensors=[a] * len(weights), weights=weights)


def test_mismatched_shapes_are_an_error() -> None:
    a = {"w": torch.tensor([1.0, 2.0])}
    b = {"w": torch.tensor([3.0])}

    with pytest.raises(ValueError):
        weighted_mean(tensors=[a, b], weights=[1, 1])


values = st.lists(
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, width=32), min_size=1, max_size=6
)


@settings(max_examples=50, deadline=None)
@given(values=values, weights=st.lists(st.integers(1, 1000), min_size=1, max_size=5))
def test_mean_of_identical_tensors_is_that_tensor(values: list[float], weights: list[int]) -> None:
    x = torch.tensor(values, dtype=torch.float32)

    out = weighted_mean(tensors=[{"x": x.clone()} for _ in weights], weights=weights)

    assert torch.equal(out["x"], x)


@settings(max_examples=50, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.lists(st.integers(-100, 100), min_size=3, max_size=3), st.integers(1, 50)),
        min_size=1,
        max_size=6,
    ),
    data=st.data(),
)
def test_mean_does_not_depend_on_client_order(
    rows: list[tuple[list[int], int]], data: st.DataObject
) -> None:
    order = data.draw(st.permutations(range(len(rows))))
    tensors = [{"x": torch.tensor(v, dtype=torch.float32)} for v, _ in rows]
    weights = [w for _, w in rows]

    out = weighted_mean(tensors=tensors, weights=weights)
    shuffled = weighted_mean(
        tensors=[tensors[i] for i in order], weights=[weights[i] for i in order]
    )

    expected = sum(w * torch.tensor(v, dtype=torch.float64) for v, w in rows) / sum(weights)
    torch.testing.assert_close(shuffled["x"], out["x"], rtol=0, atol=1e-5)
    torch.testing.assert_close(out["x"], expected.to(torch.float32), rtol=0, atol=1e-5)
