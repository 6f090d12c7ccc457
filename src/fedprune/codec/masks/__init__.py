"""Mask encodings; importing this package registers the built-in ones."""

from fedprune.codec.masks import bitmap, dense, gaps, known
from fedprune.codec.masks.base import MASKS, MaskEncoding, encode_auto, sparse_names

__all__ = [
    "MASKS",
    "MaskEncoding",
    "bitmap",
    "dense",
    "encode_auto",
    "gaps",
    "known",
    "sparse_names",
]
