"""Model <-> payload bytes: round trips, the dense all-ones mask, and validation on arrival."""

from __future__ import annotations

import pytest
import torch

from fedprune.codec import CodecError, decode, encode
from fedprune.payload import PayloadError, dense_size, pack_model, unpack_model


def reference() -> dict[str, torch.Tensor]:
    return {
        "w": torch.tensor([[1.0, -2.0, 3.0], [4.0, -5.0, 6.0]]),
        "b": torch.tensor([0.5, -0.5]),
    }


def test_round_trip_keeps_values_and_masks() -> None:
    params = reference()
    mask = torch.tensor([[True, False, True], [False, True, True]])
    params["w"] = params["w"] * mask

    payload = pack_model(params=params, masks={"w": mask})
    got_params, got_masks = unpack_model(payload=payload, reference=reference(), prunable=["w"])

    assert torch.equal(got_params["w"], params["w"])
    assert torch.equal(got_params["b"], params["b"])
    assert torch.equal(got_masks["w"], mask)
    assert set(got_masks) == {"w"}


def test_pruned_values_arrive_as_zero_even_if_they_were_not() -> None:
    params = reference()
    mask = torch.tensor([[False, True, True], [True, True, True]])

    payload = pack_model(params=params, masks={"w": mask})
    got_params, _ = unpack_model(payload=payload, reference=reference(), prunable=["w"])

    assert got_params["w"][0, 0] == 0.0
    assert got_params["w"][0, 1] == -2.0


def test_all_ones_mask_is_sent_dense_and_unpacked_as_a_full_mask() -> None:
    params = reference()
    full = torch.ones(2, 3, dtype=torch.bool)

    payload = pack_model(params=params, masks={"w": full})
    got_params, got_masks = unpack_model(payload=payload, reference=reference(), prunable=["w"])

    assert decode(payload).masks == {}  # no bitmap on the wire
    assert payload == pack_model(params=params, masks={})
    assert torch.equal(got_masks["w"], full)
    assert got_masks["w"].dtype == torch.bool
    assert torch.equal(got_params["w"], params["w"])


def test_a_partial_mask_makes_the_payload_differ_from_the_dense_one() -> None:
    params = reference()
    mask = torch.ones(2, 3, dtype=torch.bool)
    mask[0, 0] = False

    sparse = pack_model(params=params, masks={"w": mask})

    assert set(decode(sparse).masks) == {"w"}
    assert sparse != pack_model(params=params, masks={})


def test_unpack_casts_to_the_reference_dtype() -> None:
    ref = {"w": torch.zeros(2, dtype=torch.float64)}
    payload = pack_model(params={"w": torch.tensor([1.5, 2.5])}, masks={})

    got_params, _ = unpack_model(payload=payload, reference=ref, prunable=[])

    assert got_params["w"].dtype == torch.float64
    assert torch.equal(got_params["w"], torch.tensor([1.5, 2.5], dtype=torch.float64))


def test_missing_tensor_is_a_payload_error() -> None:
    payload = pack_model(params={"w": reference()["w"]}, masks={})

    with pytest.raises(PayloadError, match=r"missing \['b'\]"):
        unpack_model(payload=payload, reference=reference(), prunable=["w"])


def test_unexpected_tensor_is_a_payload_error() -> None:
    params = {**reference(), "extra": torch.zeros(1)}
    payload = pack_model(params=params, masks={})

    with pytest.raises(PayloadError, match=r"unexpected \['extra'\]"):
        unpack_model(payload=payload, reference=reference(), prunable=["w"])


def test_wrong_shape_is_a_payload_error() -> None:
    params = {"w": torch.zeros(3, 2), "b": torch.zeros(2)}
    payload = pack_model(params=params, masks={})

    with pytest.raises(PayloadError, match=r"w: shape \(3, 2\), expected \(2, 3\)"):
        unpack_model(payload=payload, reference=reference(), prunable=["w"])


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_non_finite_value_is_a_payload_error(bad: float) -> None:
    params = reference()
    params["b"][1] = bad
    payload = pack_model(params=params, masks={})

    with pytest.raises(PayloadError, match="b: contains NaN or Inf"):
        unpack_model(payload=payload, reference=reference(), prunable=["w"])


def test_mask_on_a_non_prunable_tensor_is_a_payload_error() -> None:
    params = reference()
    payload = encode(tensors=params, masks={"b": torch.tensor([True, False])})

    with pytest.raises(PayloadError, match=r"non-prunable tensors \['b'\]"):
        unpack_model(payload=payload, reference=reference(), prunable=["w"])


@pytest.mark.parametrize("garbage", [b"", b"hello world, not a payload", bytes(64)])
def test_garbage_is_a_codec_error(garbage: bytes) -> None:
    with pytest.raises(CodecError):
        unpack_model(payload=garbage, reference=reference(), prunable=["w"])


def test_truncated_payload_is_a_codec_error() -> None:
    payload = pack_model(params=reference(), masks={})

    with pytest.raises(CodecError):
        unpack_model(payload=payload[:-1], reference=reference(), prunable=["w"])


def test_payload_declaring_more_elements_than_the_model_is_a_codec_error() -> None:
    payload = pack_model(params={"w": torch.zeros(100, 100), "b": torch.zeros(2)}, masks={})

    with pytest.raises(CodecError, match="max_elements"):
        unpack_model(payload=payload, reference=reference(), prunable=["w"])


def test_dense_size_is_the_length_of_the_dense_payload() -> None:
    params = reference()

    assert dense_size(params) == len(pack_model(params=params, masks={}))
    # 8 fp32 values plus a header: more than the raw 32 bytes
    assert dense_size(params) > 8 * 4
