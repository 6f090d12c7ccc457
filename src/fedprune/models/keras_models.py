"""Keras 3 models (torch backend) as fedprune networks: the design's TFF/Keras examples.

Keras is an optional extra (``pip install 'fedprune[keras]'``) and is imported only when a Keras
model is built. Under ``KERAS_BACKEND=torch`` a Keras model is already a ``torch.nn.Module``, but
not one the federation can use as is: its ``state_dict`` holds every weight twice (under
``_functional._torch_params`` and ``_torch_params``) and ``copy.deepcopy`` renames the variables
(``keras_dense/dense/kernel`` becomes ``dense/kernel``), so a client's copy cannot load the
server's weights. :class:`KerasModule` wraps the Keras model and exposes the Keras variables
themselves (the same ``nn.Parameter`` objects Keras computes with) under their stable Keras
paths, so training, masks, codecs and checkpoints see one tensor per weight.
"""

from __future__ import annotations

import copy
import math
import os
import sys
from collections.abc import Callable
from typing import Any

from torch import Tensor, nn

from fedprune.models.registry import MODELS

KerasBuilder = Callable[[], Any]


def import_keras() -> Any:
    """Import Keras with the torch backend; ``RuntimeError`` if another backend is loaded."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    already = "keras" in sys.modules
    try:
        import keras
    except ImportError:
        raise ImportError(
            "Keras models need the keras extra: pip install 'fedprune[keras]'"
        ) from None
    if keras.backend.backend() != "torch":
        when = "was already imported" if already else "is configured"
        raise RuntimeError(
            f"fedprune's Keras models need the torch backend, but Keras {when} with "
            f"backend {keras.backend.backend()!r}: set KERAS_BACKEND=torch before importing keras"
        )
    return keras


class KerasModule(nn.Module):
    """A Keras 3 (torch backend) model as an ``nn.Module`` with one parameter per Keras weight.

    Parameters are named by the Keras variable path (``keras_dense/dense/kernel``); a Keras
    ``Dense`` kernel is ``(in, out)``, the transpose of ``nn.Linear.weight``. ``build`` must
    name every layer and the model so that the paths are the same in every build.
    """

    keras_model: Any

    def __init__(self, *, build: KerasBuilder) -> None:
        super().__init__()
        self._build = build
        # Not a submodule: its own (duplicated, rename-prone) state must stay out of ours.
        object.__setattr__(self, "keras_model", build())
        for variable in self.keras_model.weights:
            self.register_parameter(variable.path, variable._value)

    def forward(self, x: Tensor) -> Tensor:
        return self.keras_model(x)

    def prunable_parameter_names(self) -> list[str]:
        """Kernels of the Keras layers (dense and convolution weights), never biases."""
        return [name for name, _ in self.named_parameters() if name.endswith("/kernel")]

    def __deepcopy__(self, memo: dict[int, Any]) -> KerasModule:
        # Keras' own deepcopy renames variables; rebuilding keeps the paths, then copy values.
        clone = KerasModule(build=self._build)
        clone.load_state_dict(copy.deepcopy(self.state_dict(), memo))
        clone.train(self.training)
        for (_, mine), (_, theirs) in zip(
            self.named_parameters(), clone.named_parameters(), strict=True
        ):
            theirs.requires_grad_(mine.requires_grad)
        memo[id(self)] = clone
        return clone

    def to_keras(self, *, softmax: bool = True) -> Any:
        """A standalone Keras model with these weights, ending in softmax when ``softmax``
        (fedprune trains on logits; the design's model outputs probabilities)."""
        keras = import_keras()
        model = self._build()
        for target, source in zip(model.weights, self.keras_model.weights, strict=True):
            target.assign(source.value.detach().cpu())
        if not softmax:
            return model
        return keras.Sequential(
            [*model.layers, keras.layers.Softmax(name="softmax")], name=model.name
        )


def _dense_builder(input_shape: tuple[int, ...], num_classes: int) -> KerasBuilder:
    def build() -> Any:
        keras = import_keras()
        return keras.Sequential(
            [
                keras.Input(shape=input_shape, name="input"),
                keras.layers.Flatten(name="flatten"),
                keras.layers.Dense(num_classes, name="dense"),
            ],
            name="keras_dense",
        )

    return build


@MODELS.register("keras_dense")
def keras_dense(*, input_shape: tuple[int, ...], num_classes: int) -> nn.Module:
    """The design's TFF example model: ``Flatten`` then one ``Dense`` layer, in Keras 3.

    The design's ``Dense(10, activation="softmax")`` outputs probabilities; here the layer
    outputs logits because fedprune trains with cross-entropy on logits (the softmax is folded
    into the loss), and :meth:`KerasModule.to_keras` adds it back for ``export --format keras``.
    Input shape ``(C, H, W)`` or flat, as for every fedprune model; ``math.prod`` of it is the
    Dense layer's fan-in.
    """
    if math.prod(input_shape) < 1:
        raise ValueError(f"input_shape must be non-empty, got {input_shape}")
    return KerasModule(build=_dense_builder(tuple(input_shape), num_classes))
