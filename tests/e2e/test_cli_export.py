"""``fedprune export``: a structurally pruned run exported to ONNX predicts like PyTorch."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from fedprune.checkpoint import build_network, load_model
from fedprune.data import load_dataset
from fedprune.models import build_model

ort = pytest.importorskip("onnxruntime")

# measured: at most 3e-6 between onnxruntime and PyTorch on digits logits of up to 11
ATOL = 3e-5
STRUCTURED = [
    *("--set", "data.dataset=digits"),
    *("--set", "data.num_clients=4"),
    *("--set", "federation.clients_per_round=2"),
    *("--set", "federation.rounds=2"),
    *("--set", "model.name=cnn"),
    *("--set", "train.epochs=1"),
    *("--set", "pruning.mode=server"),
    *("--set", "pruning.end_round=2"),
    *("--set", "structured.mode=server"),
    *("--set", "structured.ratio=0.5"),
    *("--set", "structured.rounds=[1]"),
    *("--set", "checkpoint.every=0"),
    *("--set", "engine.threads=1"),
]


def fedprune(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fedprune", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_structured_run_exports_to_onnx_that_predicts_like_pytorch(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert fedprune("run", "-q", "--out", out, *STRUCTURED).returncode == 0

    onnx = fedprune("export", out, "--format", "onnx")
    tensors = fedprune("export", out, "--format", "safetensors", "--out", tmp_path / "m.st")

    assert onnx.returncode == 0, onnx.stderr
    assert tensors.returncode == 0, tensors.stderr
    path = out / "export" / "model.onnx"
    assert onnx.stdout.split() == [str(path), str(path.stat().st_size), "bytes"]
    model, info = load_model(out / "model.safetensors")
    net = build_network(params=model.params, info=info)
    assert net.features[0].weight.shape[0] < 16  # physically smaller than the dense 16 channels
    x = torch.from_numpy(load_dataset(name="digits").test.x)
    got = ort.InferenceSession(str(path)).run(["logits"], {"input": x.numpy()})[0]
    want = net(x).detach().numpy()
    np.testing.assert_array_equal(got.argmax(1), want.argmax(1))
    np.testing.assert_allclose(got, want, rtol=0, atol=ATOL)
    exported = sum(t.numel() for t in load_file(tmp_path / "m.st").values())
    dense = build_model(name="cnn", input_shape=info.input_shape, num_classes=10)
    assert exported < 0.6 * sum(p.numel() for p in dense.parameters())


def test_export_errors_are_one_line_with_exit_2(tmp_path: Path) -> None:
    missing = fedprune("export", tmp_path, "--format", "onnx")
    unknown = fedprune("export", tmp_path, "--format", "tflite")

    for proc, says in (
        (missing, "model.safetensors"),
        (unknown, "allowed: keras, onnx, safetensors"),
    ):
        assert proc.returncode == 2
        assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
        assert says in proc.stderr and "Traceback" not in proc.stderr
