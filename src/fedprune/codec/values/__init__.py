"""Value encodings; importing this package registers the built-in ones."""

from fedprune.codec.values import bf16, fp16, fp32, ternary, uniform
from fedprune.codec.values.base import VALUES, Channels, SymbolFormat, Symbols, ValueEncoding
from fedprune.codec.values.spec import ValueSpec

__all__ = [
    "VALUES",
    "Channels",
    "SymbolFormat",
    "Symbols",
    "ValueEncoding",
    "ValueSpec",
    "bf16",
    "fp16",
    "fp32",
    "ternary",
    "uniform",
]
