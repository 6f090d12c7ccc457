"""Model factories (MLP, LeNet-style CNN, small ResNet, Keras 3 dense) behind a registry."""

from fedprune.models import audio, cnn, keras_models, mlp, resnet, text  # noqa: F401  (registration)
from fedprune.models.registry import MODELS, build_model, prunable_names

__all__ = ["MODELS", "build_model", "prunable_names"]
