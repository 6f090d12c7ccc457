"""Exports of a run's final model: ONNX predicts like PyTorch; safetensors rebuilds the network."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from fedprune.checkpoint import ModelInfo, SealError, build_network, save_model
from fedprune.checkpoint.model_file import safetensors_metadata
from fedprune.data import load_dataset
from fedprune.export import ExportError, export_run
from fedprune.messages import GlobalModel
from fedprune.models import build_model
from fedprune.payload import sent_state
from fedprune.prune.structured import apply_plan, channel_scores, plan_channels

ort = pytest.importorskip("onnxruntime")

KEY = bytes(range(32))
# measured: at most 3e-6 between onnxruntime and PyTorch on digits logits of up to 11
ATOL = 3e-5


def network(name: str, *, pruned: bool) -> tuple[torch.nn.Module, ModelInfo]:
    info = ModelInfo(name=name, input_shape=(1, 8, 8), num_classes=10)
    torch.manual_seed(0)
    net = build_model(name=name, input_shape=info.input_shape, num_classes=10)
    if pruned:
        example = torch.zeros(1, *info.input_shape)
        scores = channel_scores(model=net, example_input=example, criterion="l1")
        plan = plan_channels(scores=scores, ratio=0.5, scope="global")
        apply_plan(model=net, example_input=example, plan=plan)
    return net.eval(), info


def run_dir(
    tmp_path: Path, net: torch.nn.Module, info: ModelInfo, key: bytes | None = None
) -> Path:
    save_model(
        tmp_path / "model.safetensors", model=GlobalModel(sent_state(net), {}), info=info, key=key
    )
    return tmp_path


def digits() -> torch.Tensor:
    return torch.from_numpy(load_dataset(name="digits").test.x[:200])


@pytest.mark.parametrize(("name", "pruned"), [("mlp", False), ("cnn", False), ("cnn", True)])
def test_onnx_predicts_like_pytorch(tmp_path: Path, name: str, pruned: bool) -> None:
    net, info = network(name, pruned=pruned)
    path = export_run(run_dir=run_dir(tmp_path, net, info), fmt="onnx")
    x = digits()

    session = ort.InferenceSession(path.read_bytes())
    got = session.run(["logits"], {"input": x.numpy()})[0]
    want = net(x).detach().numpy()

    assert path == tmp_path / "export" / "model.onnx"
    np.testing.assert_array_equal(got.argmax(1), want.argmax(1))
    np.testing.assert_allclose(got, want, rtol=0, atol=ATOL)


def test_safetensors_export_rebuilds_the_smaller_network(tmp_path: Path) -> None:
    net, info = network("cnn", pruned=True)
    dense, _ = network("cnn", pruned=False)
    path = export_run(
        run_dir=run_dir(tmp_path, net, info), fmt="safetensors", out=tmp_path / "x.st"
    )
    x = digits()

    state = load_file(str(path))
    rebuilt = build_network(
        params={k: v for k, v in state.items() if v.is_floating_point()},
        info=ModelInfo.from_metadata(safetensors_metadata(path.read_bytes()), source="x"),
    )

    assert path == tmp_path / "x.st"
    assert set(state) == set(net.state_dict())
    assert sum(t.numel() for t in state.values()) < 0.5 * sum(p.numel() for p in dense.parameters())
    assert torch.equal(rebuilt(x), net(x))


def test_a_sealed_run_exports_sealed_and_needs_its_key(tmp_path: Path) -> None:
    net, info = network("mlp", pruned=False)
    where = run_dir(tmp_path, net, info, key=KEY)

    path = export_run(run_dir=where, fmt="safetensors", key=KEY)

    assert path.name == "model.safetensors.enc"
    with pytest.raises(SealError, match="encrypted"):
        export_run(run_dir=where, fmt="safetensors")
    with pytest.raises(SealError, match="wrong key"):
        export_run(run_dir=where, fmt="safetensors", key=bytes(32))


def test_onnx_without_its_extra_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    net, info = network("mlp", pruned=False)
    monkeypatch.setitem(sys.modules, "onnx", None)  # import onnx now raises ImportError

    with pytest.raises(ExportError, match=r"fedprune\[onnx\]"):
        export_run(run_dir=run_dir(tmp_path, net, info), fmt="onnx")


def test_an_unknown_format_lists_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="allowed: keras, onnx, safetensors"):
        export_run(run_dir=tmp_path, fmt="tflite")
