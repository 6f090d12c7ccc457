"""Registry of aggregation rules: pure functions of client tensors and weights."""

from __future__ import annotations

from collections.abc import Callable

from fedprune.registry import Registry

AGGREGATORS: Registry[Callable[..., dict]] = Registry("aggregator")
