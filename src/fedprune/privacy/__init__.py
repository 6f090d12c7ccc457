"""Differential privacy: clipping, noise, adaptive clipping and privacy accounting."""

from fedprune.privacy.accountant import ACCOUNTANTS, Accountant
from fedprune.privacy.adaptive_clip import update_clip_bound, update_noise_multiplier
from fedprune.privacy.clip import clip_update, update_norm
from fedprune.privacy.noise import add_gaussian_noise

__all__ = [
    "ACCOUNTANTS",
    "Accountant",
    "add_gaussian_noise",
    "clip_update",
    "update_clip_bound",
    "update_noise_multiplier",
    "update_norm",
]
