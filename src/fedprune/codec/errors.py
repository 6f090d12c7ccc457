"""The one exception every decoding failure raises."""

from __future__ import annotations


class CodecError(ValueError):
    """A payload that cannot be decoded; the message says why (truncated, bad CRC, ...)."""
