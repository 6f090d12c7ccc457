"""Transfer learning: a run starts from another run's model file; only the head may differ."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from fedprune.checkpoint import ModelInfo, save_model
from fedprune.messages import GlobalModel
from fedprune.models import build_model, prunable_names
from fedprune.prune.mask import full_masks
from fedprune.transfer import load_pretrained


def saved(tmp_path: Path, *, name: str, num_classes: int, shape=(1, 28, 28)) -> tuple[Path, dict]:
    torch.manual_seed(1)
    model = build_model(name=name, input_shape=shape, num_classes=num_classes)
    params = {n: t.detach().clone() for n, t in model.state_dict().items()}
    path = tmp_path / "source.safetensors"
    save_model(
        path,
        model=GlobalModel(params=params, masks=full_masks(params, prunable_names(model))),
        info=ModelInfo(name=name, input_shape=shape, num_classes=num_classes),
    )
    return path, params


def test_same_task_copies_every_weight(tmp_path: Path) -> None:
    path, params = saved(tmp_path, name="cnn", num_classes=10)
    torch.manual_seed(2)
    model = build_model(name="cnn", input_shape=(1, 28, 28), num_classes=10)

    fresh = load_pretrained(model=model, path=path)

    assert fresh == []
    for name, t in model.state_dict().items():
        torch.testing.assert_close(t, params[name])


def test_other_classes_keep_a_fresh_output_layer(tmp_path: Path) -> None:
    path, params = saved(tmp_path, name="cnn", num_classes=10)
    torch.manual_seed(2)
    model = build_model(name="cnn", input_shape=(1, 28, 28), num_classes=26)
    head_before = model.classifier[2].weight.detach().clone()

    fresh = load_pretrained(model=model, path=path)

    assert fresh == ["classifier.2.weight", "classifier.2.bias"]
    torch.testing.assert_close(model.classifier[2].weight, head_before)
    torch.testing.assert_close(model.features[0].weight, params["features.0.weight"])


def test_another_architecture_is_refused_by_name(tmp_path: Path) -> None:
    path, _ = saved(tmp_path, name="mlp", num_classes=10)
    model = build_model(name="cnn", input_shape=(1, 28, 28), num_classes=10)

    with pytest.raises(ValueError, match=r"do not fit this model beyond its output layer"):
        load_pretrained(model=model, path=path)
