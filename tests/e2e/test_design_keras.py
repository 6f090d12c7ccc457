"""The design's TFF/Keras example (examples/design_keras.toml) runs, saves and exports."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from fedprune.checkpoint import MODEL_FILE, build_network, load_model
from fedprune.config import build_config
from fedprune.experiment import Experiment
from fedprune.export import ExportError, export_run
from fedprune.models.keras_models import KerasModule, import_keras

try:
    keras = import_keras()
except ImportError:
    pytest.skip("needs the keras extra", allow_module_level=True)

EXAMPLE = Path(__file__).parents[2] / "examples" / "design_keras.toml"


@pytest.mark.slow
def test_design_example_learns_prunes_and_exports(tmp_path: Path) -> None:
    torch.set_num_threads(1)
    # 4 rounds keep it near 5 s; the full 10 reach about 0.88
    cfg = build_config(path=EXAMPLE, overrides=["federation.rounds=4"])

    result = Experiment(config=cfg).run(out=tmp_path / "run")

    assert result.summary["final_accuracy"] > 0.5  # chance is 0.1
    assert result.summary["global_sparsity"] == pytest.approx(0.2, abs=1e-3)
    saved, info = load_model(tmp_path / "run" / MODEL_FILE)
    net = build_network(params=saved.params, info=info)
    assert isinstance(net, KerasModule)
    kernel = net.state_dict()["keras_dense/dense/kernel"]
    assert (kernel == 0).float().mean().item() == pytest.approx(0.2, abs=1e-3)

    path = export_run(run_dir=tmp_path / "run", fmt="keras")
    restored = keras.saving.load_model(path)
    x = torch.rand(3, *info.input_shape)
    probs = torch.as_tensor(keras.ops.convert_to_numpy(restored(x)))
    torch.testing.assert_close(probs, torch.softmax(net(x), dim=1).detach())
    with pytest.raises(ExportError, match="Keras"):
        export_run(run_dir=tmp_path / "run", fmt="onnx")


def test_structured_pruning_is_refused_for_keras_models() -> None:
    cfg = build_config(
        path=EXAMPLE,
        overrides=["structured.mode=server", "structured.ratio=0.5", "structured.rounds=[2]"],
    )

    with pytest.raises(ValueError, match="not supported for the Keras"):
        Experiment(config=cfg)
