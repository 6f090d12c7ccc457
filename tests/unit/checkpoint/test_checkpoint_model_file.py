"""``model.safetensors``: weights, masks and model info; a pruned network is rebuilt smaller."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from fedprune.checkpoint import ModelInfo, SealError, build_network, load_model, save_model
from fedprune.messages import GlobalModel
from fedprune.models import build_model
from fedprune.payload import sent_state
from fedprune.prune.structured import channel_scores, plan_channels
from fedprune.prune.structured.apply import apply_plan

INFO = ModelInfo(name="cnn", input_shape=(1, 8, 8), num_classes=10)
KEY = bytes(range(32))


def pruned_cnn() -> torch.nn.Module:
    torch.manual_seed(0)
    net = build_model(name="cnn", input_shape=(1, 8, 8), num_classes=10)
    example = torch.zeros(1, 1, 8, 8)
    scores = channel_scores(model=net, example_input=example, criterion="l1")
    apply_plan(
        model=net,
        example_input=example,
        plan=plan_channels(scores=scores, ratio=0.5, scope="global"),
    )
    return net.eval()


def test_round_trip_with_masks_and_info(tmp_path: Path) -> None:
    params = {"w": torch.randn(2, 3), "b": torch.randn(2)}
    masks = {"w": torch.tensor([[True, False, True], [False, True, True]])}
    save_model(tmp_path / "model.safetensors", model=GlobalModel(params, masks), info=INFO)

    model, info = load_model(tmp_path / "model.safetensors")

    assert info == INFO
    assert torch.equal(model.params["w"], params["w"]) and torch.equal(
        model.params["b"], params["b"]
    )
    assert model.masks["w"].dtype == torch.bool and torch.equal(model.masks["w"], masks["w"])


def test_a_structurally_pruned_network_is_rebuilt_physically_smaller(tmp_path: Path) -> None:
    net = pruned_cnn()
    params = sent_state(net)
    save_model(tmp_path / "m.safetensors", model=GlobalModel(params, {}), info=INFO, key=KEY)
    x = torch.rand(5, 1, 8, 8)

    model, info = load_model(tmp_path / "m.safetensors", key=KEY)
    rebuilt = build_network(params=model.params, info=info)

    dense = sum(
        p.numel()
        for p in build_model(name="cnn", input_shape=(1, 8, 8), num_classes=10).parameters()
    )
    assert sum(p.numel() for p in rebuilt.parameters()) < 0.5 * dense
    assert torch.equal(rebuilt(x), net(x))


def test_wrong_key_is_a_seal_error(tmp_path: Path) -> None:
    save_model(tmp_path / "m.safetensors", model=GlobalModel({}, {}), info=INFO, key=KEY)

    with pytest.raises(SealError):
        load_model(tmp_path / "m.safetensors", key=bytes(32))


def test_a_safetensors_file_without_fedprune_info_is_refused(tmp_path: Path) -> None:
    from safetensors.torch import save_file

    save_file({"w": torch.ones(1)}, str(tmp_path / "other.safetensors"))

    with pytest.raises(ValueError, match="not a fedprune model file"):
        load_model(tmp_path / "other.safetensors")
