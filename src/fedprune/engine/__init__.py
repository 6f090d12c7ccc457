"""Engines: where client work runs (``local`` in-process by default, ``flower``)."""

from fedprune.engine import flower, local  # noqa: F401  (registration)
from fedprune.engine.base import ENGINES, ClientWork, Engine

__all__ = ["ENGINES", "ClientWork", "Engine"]
