"""Per-tensor encodings; importing this package registers the built-in ones."""

from fedprune.codec.encodings import bitmap, dense
from fedprune.codec.encodings.base import (
    ENCODINGS,
    TensorEncoding,
    element_count,
    encoding_for_wire_id,
    register_encoding,
)

__all__ = [
    "ENCODINGS",
    "TensorEncoding",
    "bitmap",
    "dense",
    "element_count",
    "encoding_for_wire_id",
    "register_encoding",
]
