"""Nested state <-> flat tensors plus a JSON tree, with nothing pickled."""

from __future__ import annotations

import json

import pytest
import torch

from fedprune.checkpoint import join_state, split_state


def test_round_trip_keeps_values_dtypes_and_scalars() -> None:
    state = {
        "steps": 3,
        "kept": 0.5,
        "name": "fedadam",
        "none": None,
        "moments": {"m": {"fc.weight": torch.arange(6.0).reshape(2, 3)}, "v": {}},
        "masks": {"fc.weight": torch.tensor([[True, False, True]])},
        "rng": torch.tensor([1, 2, 255], dtype=torch.uint8),
        "history": [1, 2, torch.ones(2)],
    }

    tensors, tree = split_state(state)
    back = join_state(json.loads(json.dumps(tree)), tensors)

    assert back["steps"] == 3 and back["kept"] == 0.5 and back["name"] == "fedadam"
    assert back["none"] is None and back["moments"]["v"] == {}
    assert torch.equal(back["moments"]["m"]["fc.weight"], state["moments"]["m"]["fc.weight"])
    assert back["masks"]["fc.weight"].dtype == torch.bool
    assert torch.equal(back["masks"]["fc.weight"], state["masks"]["fc.weight"])
    assert torch.equal(back["rng"], state["rng"])
    assert back["history"][:2] == [1, 2] and torch.equal(back["history"][2], torch.ones(2))


def test_masks_are_stored_as_uint8_under_their_path() -> None:
    tensors, tree = split_state({"masks": {"fc.weight": torch.tensor([True, False])}})

    assert tensors["masks/fc.weight"].dtype == torch.uint8
    assert tree == {"masks": {"fc.weight": {"__tensor__": "masks/fc.weight", "bool": True}}}


def test_stored_tensors_do_not_share_the_callers_memory() -> None:
    t = torch.zeros(3)
    tensors, _ = split_state({"t": t})

    t.add_(1)

    assert torch.equal(tensors["t"], torch.zeros(3))


@pytest.mark.parametrize(
    "state",
    [{"bad": object()}, {"bad": {1, 2}}, {"a/b": 1}, {"x": {3: torch.ones(1)}}],
)
def test_anything_but_tensors_and_json_values_is_refused(state: dict) -> None:
    with pytest.raises(TypeError):
        split_state(state)


def test_a_tree_naming_a_missing_tensor_is_an_error() -> None:
    with pytest.raises(ValueError, match="lacks"):
        join_state({"w": {"__tensor__": "w"}}, {})
