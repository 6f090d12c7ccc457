"""Entropy coders; importing this package registers the built-in ones."""

from fedprune.codec.entropy import ans, raw, zstd
from fedprune.codec.entropy.base import ENTROPY, EntropyCoder

__all__ = ["ENTROPY", "EntropyCoder", "ans", "raw", "zstd"]
