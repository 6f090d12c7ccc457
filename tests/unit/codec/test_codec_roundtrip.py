"""Round trips through encode/decode: exact values, masks, shapes, order, sizes."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from fedprune.codec import decode, encode


def bits(t: torch.Tensor) -> np.ndarray:
    """Bit patterns, so -0.0 vs 0.0 and NaN payloads count as differences."""
    return t.detach().to(torch.float32).contiguous().numpy().view(np.int32)


def assert_same_bits(actual: torch.Tensor, expected: torch.Tensor) -> None:
    assert actual.dtype == torch.float32
    assert actual.shape == expected.shape
    np.testing.assert_array_equal(bits(actual), bits(expected))


def test_dense_round_trip_is_bitwise_exact_for_special_values() -> None:
    t = torch.tensor([[0.0, -0.0, 1.5], [float("inf"), float("-inf"), float("nan")]])
    t[1, 0] = torch.finfo(torch.float32).max
    t.view(torch.int32)[1, 2] = 0x7FC0_1234  # a NaN with a payload

    out = decode(encode(tensors={"w": t}))

    assert_same_bits(out.tensors["w"], t)
    assert out.masks == {}


def test_bitmap_round_trip_zeroes_pruned_values_and_keeps_the_mask() -> None:
    t = torch.arange(1, 13, dtype=torch.float32).reshape(3, 4)
    mask = torch.rand(3, 4, generator=torch.Generator().manual_seed(0)) > 0.5

    out = decode(encode(tensors={"w": t}, masks={"w": mask}))

    assert torch.equal(out.masks["w"], mask)
    assert_same_bits(out.tensors["w"], torch.where(mask, t, torch.zeros(())))


def test_kept_exact_zero_stays_kept() -> None:
    t = torch.tensor([0.0, 2.0, 0.0, -0.0])
    mask = torch.tensor([True, False, False, True])

    out = decode(encode(tensors={"w": t}, masks={"w": mask}))

    assert out.masks["w"].tolist() == [True, False, False, True]
    assert_same_bits(out.tensors["w"], torch.tensor([0.0, 0.0, 0.0, -0.0]))


@pytest.mark.parametrize("keep", [False, True], ids=["all-pruned", "all-kept"])
def test_uniform_masks_round_trip_and_are_sent_as_bitmap(keep: bool) -> None:
    t = torch.randn(5, 7, generator=torch.Generator().manual_seed(1))
    mask = torch.full((5, 7), keep)

    payload = encode(tensors={"w": t}, masks={"w": mask})
    out = decode(payload)

    assert torch.equal(out.masks["w"], mask)
    assert_same_bits(out.tensors["w"], t if keep else torch.zeros(5, 7))
    dense_len = len(encode(tensors={"w": t}))
    mask_bytes = (35 + 7) // 8
    assert len(payload) == dense_len + mask_bytes - (0 if keep else 4 * 35)


@pytest.mark.parametrize("masked", [False, True], ids=["dense", "bitmap"])
@pytest.mark.parametrize("shape", [(0,), (3, 0, 2), (), (1,), (9,), (2, 1, 3, 1)])
def test_edge_shapes_round_trip(shape: tuple[int, ...], masked: bool) -> None:
    gen = torch.Generator().manual_seed(2)
    t = torch.randn(shape, generator=gen)
    mask = torch.rand(shape, generator=gen) > 0.3
    masks = {"t": mask} if masked else None

    out = decode(encode(tensors={"t": t}, masks=masks))

    assert tuple(out.tensors["t"].shape) == shape
    expected = torch.where(mask, t, torch.zeros(())) if masked else t
    assert_same_bits(out.tensors["t"], expected)
    assert ("t" in out.masks) == masked


def test_scalar_mask_true_and_false() -> None:
    t = torch.tensor(3.5)

    kept = decode(encode(tensors={"s": t}, masks={"s": torch.tensor(True)}))
    pruned = decode(encode(tensors={"s": t}, masks={"s": torch.tensor(False)}))

    assert kept.tensors["s"].item() == 3.5 and kept.masks["s"].item() is True
    assert pruned.tensors["s"].item() == 0.0 and pruned.masks["s"].item() is False


def test_non_contiguous_inputs_round_trip_in_logical_order() -> None:
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    t = base.t()[::2]
    mask = (base % 3 != 0).t()[::2]
    assert not t.is_contiguous() and not mask.is_contiguous()

    out = decode(encode(tensors={"a": t, "b": t}, masks={"a": mask}))

    assert_same_bits(out.tensors["a"], torch.where(mask, t, torch.zeros(())))
    assert torch.equal(out.masks["a"], mask)
    assert_same_bits(out.tensors["b"], t)


def test_order_is_preserved_and_only_masked_tensors_get_masks() -> None:
    names = ["z.weight", "a.bias", "m", "ünïcode/名"]
    tensors = {n: torch.full((2,), float(i)) for i, n in enumerate(names)}

    out = decode(encode(tensors=tensors, masks={"m": torch.tensor([True, False])}))

    assert list(out.tensors) == names
    assert list(out.masks) == ["m"]


@pytest.mark.parametrize("dtype", [torch.float64, torch.float16, torch.bfloat16])
def test_other_float_dtypes_are_converted_to_float32(dtype: torch.dtype) -> None:
    t = torch.tensor([0.5, -1.25, 3.0], dtype=dtype)

    out = decode(encode(tensors={"w": t}))

    assert out.tensors["w"].dtype == torch.float32
    assert torch.equal(out.tensors["w"], t.float())


def test_float_01_masks_are_accepted_like_bool_masks() -> None:
    t = torch.tensor([1.0, 2.0, 3.0])

    out = decode(encode(tensors={"w": t}, masks={"w": torch.tensor([1.0, 0.0, 1.0])}))

    assert out.masks["w"].tolist() == [True, False, True]
    assert out.tensors["w"].tolist() == [1.0, 0.0, 3.0]


def test_eighty_percent_sparse_payload_is_under_thirty_percent_of_dense() -> None:
    gen = torch.Generator().manual_seed(3)
    t = torch.randn(100_000, generator=gen)
    mask = torch.rand(100_000, generator=gen) >= 0.8

    dense = encode(tensors={"w": t})
    bitmap = encode(tensors={"w": t}, masks={"w": mask}, sparse="bitmap")
    auto = encode(tensors={"w": t}, masks={"w": mask})

    kept = int(mask.sum())
    assert len(bitmap) < 0.30 * len(dense)
    assert len(dense) - len(bitmap) == 4 * (100_000 - kept) - 100_000 // 8
    # At density 0.2 Rice-coded gaps beat one bit per element.
    assert len(auto) < len(bitmap) - 2_000


@settings(max_examples=60, deadline=None)
@given(
    values=arrays(
        np.float32,
        array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=5),
        elements=st.floats(width=32, allow_nan=False),
    ),
    data=st.data(),
)
def test_random_shapes_and_masks_round_trip(values: np.ndarray, data: st.DataObject) -> None:
    mask = data.draw(arrays(np.bool_, values.shape))
    t, m = torch.from_numpy(values), torch.from_numpy(mask)

    out = decode(encode(tensors={"t": t, "d": t}, masks={"t": m}))

    assert torch.equal(out.masks["t"], m)
    assert_same_bits(out.tensors["t"], torch.where(m, t, torch.zeros(())))
    assert_same_bits(out.tensors["d"], t)


def test_empty_mapping_round_trips() -> None:
    out = decode(encode(tensors={}))

    assert out.tensors == {} and out.masks == {}
