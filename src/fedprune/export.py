"""Export a run's final model: ``safetensors`` (weights that rebuild it), ``onnx`` or ``keras``."""

from __future__ import annotations

import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path

import torch
from safetensors.torch import save as save_tensors
from torch import nn

from fedprune.checkpoint import MODEL_FILE, ModelInfo, build_network, load_model, write_file
from fedprune.checkpoint.model_file import example_input
from fedprune.registry import Registry

Exporter = Callable[..., bytes]
EXPORTERS: Registry[Exporter] = Registry("export format")
ONNX_OPSET = 17


class ExportError(ValueError):
    """An export that cannot be made here (e.g. a missing optional dependency); one line."""


@EXPORTERS.register("safetensors")
def to_safetensors(*, network: nn.Module, info: ModelInfo) -> bytes:
    """The network's whole ``state_dict`` with ``info`` as metadata: ``build_model`` plus
    ``conform`` to these shapes rebuilds a structurally pruned network."""
    state = {k: v.detach().contiguous().clone() for k, v in network.state_dict().items()}
    return save_tensors(state, metadata=info.metadata())


@EXPORTERS.register("onnx")
def to_onnx(*, network: nn.Module, info: ModelInfo) -> bytes:
    """ONNX (opset 17, TorchScript exporter): input ``input`` with a free batch dimension,
    output ``logits``; checked with ``onnx.checker``. Needs the ``fedprune[onnx]`` extra."""
    from fedprune.models.keras_models import KerasModule

    if isinstance(network, KerasModule):
        raise ExportError(
            f"ONNX export of the Keras model {info.name!r} is not supported (the TorchScript "
            "exporter cannot trace Keras layers): use --format keras or safetensors"
        )
    try:
        import onnx
    except ImportError:
        raise ExportError(
            "ONNX export needs the onnx extra: pip install 'fedprune[onnx]'"
        ) from None
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        # the TorchScript exporter is deprecated in favour of dynamo, which needs onnxscript
        warnings.simplefilter("ignore", DeprecationWarning)
        path = Path(tmp) / "model.onnx"
        torch.onnx.export(
            network,
            (example_input(info, batch=2),),
            path,
            dynamo=False,
            opset_version=ONNX_OPSET,
            input_names=["input"],
            output_names=["logits"],
            dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
        )
        data = path.read_bytes()
    onnx.checker.check_model(onnx.load_from_string(data))
    return data


@EXPORTERS.register("keras")
def to_keras(*, network: nn.Module, info: ModelInfo) -> bytes:
    """A ``.keras`` file (``keras.Model.save``) of a Keras model, softmax re-added at the end so
    it outputs probabilities like the design's model. Needs the ``fedprune[keras]`` extra."""
    from fedprune.models.keras_models import KerasModule

    if not isinstance(network, KerasModule):
        raise ExportError(
            f"--format keras needs a Keras model (e.g. keras_dense), not {info.name!r}; "
            "use safetensors or onnx"
        )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.keras"
        network.to_keras(softmax=True).save(path)
        return path.read_bytes()


def export_run(
    *, run_dir: Path, fmt: str, out: Path | None = None, key: bytes | None = None
) -> Path:
    """Write the final model of ``run_dir`` in format ``fmt``; return the path written.

    The default ``out`` is ``run_dir/export/model.<fmt>``. With ``key`` the run's model is read
    sealed and the export is sealed too (``out.enc``). ``FileNotFoundError`` when the run has no
    final model yet; ``SealError`` for a wrong key.
    """
    exporter = EXPORTERS.get(fmt)
    model, info = load_model(run_dir / MODEL_FILE, key=key)
    network = build_network(params=model.params, info=info)
    target = out or run_dir / "export" / f"model.{fmt}"
    target.parent.mkdir(parents=True, exist_ok=True)
    return write_file(target, exporter(network=network, info=info), key=key, tag=f"export/{fmt}")
