"""Adversarial examples for adversarial training and robust accuracy (FGSM, PGD)."""

from fedprune.adversarial import fgsm, pgd  # noqa: F401  (registration)
from fedprune.adversarial.base import ADVERSARIES, Adversary, input_gradient, robust_accuracy

__all__ = ["ADVERSARIES", "Adversary", "input_gradient", "robust_accuracy"]
