"""Wire format: encode named tensors (and masks) to bytes and decode them back, totally."""

from fedprune.codec.encodings import ENCODINGS, TensorEncoding, register_encoding
from fedprune.codec.errors import CodecError
from fedprune.codec.wire import FORMAT_VERSION, MAGIC, Decoded, decode, encode

__all__ = [
    "ENCODINGS",
    "FORMAT_VERSION",
    "MAGIC",
    "CodecError",
    "Decoded",
    "TensorEncoding",
    "decode",
    "encode",
    "register_encoding",
]
