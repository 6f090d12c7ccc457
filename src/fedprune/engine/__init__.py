"""Engines: where client work runs (``local`` in-process by default)."""

from fedprune.engine import local  # noqa: F401  (registration)
from fedprune.engine.base import ENGINES, ClientWork, Engine

__all__ = ["ENGINES", "ClientWork", "Engine"]
