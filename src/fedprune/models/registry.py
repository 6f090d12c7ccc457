"""Model factories, looked up by name."""

from __future__ import annotations

import inspect
from collections.abc import Callable

from torch import nn

from fedprune.registry import Registry

ModelFactory = Callable[..., nn.Module]
MODELS: Registry[ModelFactory] = Registry("model")


def build_model(
    *,
    name: str,
    input_shape: tuple[int, ...],
    num_classes: int,
    vocab_size: int | None = None,
) -> nn.Module:
    """Build the model registered as ``name`` for inputs of ``input_shape`` (without batch).

    ``vocab_size`` is given for token-id inputs and passed only then, so image factories need
    not take it; a text model without it, or an image model given one, is a ``ValueError``.
    """
    factory = MODELS.get(name)
    takes_vocab = "vocab_size" in inspect.signature(factory).parameters
    if takes_vocab != (vocab_size is not None):
        raise ValueError(
            f"model {name!r} "
            + (
                "reads token ids and needs a vocab_size: use it with a text dataset"
                if takes_vocab
                else "reads float features, not token ids: pick a text model for this dataset"
            )
        )
    extra = {} if vocab_size is None else {"vocab_size": vocab_size}
    return factory(input_shape=input_shape, num_classes=num_classes, **extra)


def prunable_names(model: nn.Module) -> list[str]:
    """Names of the parameters pruning applies to: weights of conv and linear layers.

    Biases and normalisation parameters are small and fragile, so they are never pruned (the
    convention of ``torch.nn.utils.prune`` users and of the pruning literature).

    A module that declares ``prunable_parameter_names()`` (the Keras adapter,
    ``fedprune.models.keras_models.KerasModule``) names its own; a bare Keras 3 model under the
    torch backend is found by its variable paths, whose dense and convolution weights end in
    ``/kernel``.
    """
    names = []
    for mod_name, module in model.named_modules():
        prefix = f"{mod_name}." if mod_name else ""
        declared = getattr(module, "prunable_parameter_names", None)
        if callable(declared):
            names += [prefix + name for name in declared()]
        elif isinstance(module, nn.Conv1d | nn.Conv2d | nn.Linear):
            names.append(f"{prefix}weight")
    if not names:
        names = [name for name, _ in model.named_parameters() if name.endswith("/kernel")]
    return names
