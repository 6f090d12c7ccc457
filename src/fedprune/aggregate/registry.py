"""Registry of aggregation rules and their call convention.

An aggregator is a pure function ``fn(*, tensors, weights, **options)`` returning the aggregated
tensors by name. One that also declares a ``masks`` keyword is *mask-aware*: it receives every
update's keep-masks and returns an ``Aggregated`` (tensors and the masks of entries it kept).
One that declares a ``reference`` keyword also gets the global model the updates started from
(rules on deltas, such as norm bounding). Options are the other keywords it declares
(``min_votes`` ...), so its signature is its spec; an option without a default is required.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass

from torch import Tensor

from fedprune.registry import Registry

_INPUTS = frozenset({"tensors", "weights", "masks", "reference"})


@dataclass(frozen=True)
class Aggregated:
    """A mask-aware aggregator's result: tensors, and keep-masks of the masked tensors."""

    params: dict[str, Tensor]
    masks: dict[str, Tensor]


AGGREGATORS: Registry[Callable[..., dict[str, Tensor] | Aggregated]] = Registry("aggregator")


def takes_masks(fn: Callable[..., object]) -> bool:
    """Whether aggregator ``fn`` is mask-aware (declares a ``masks`` keyword)."""
    return "masks" in inspect.signature(fn).parameters


def takes_reference(fn: Callable[..., object]) -> bool:
    """Whether aggregator ``fn`` needs the global model (declares a ``reference`` keyword)."""
    return "reference" in inspect.signature(fn).parameters


def option_names(fn: Callable[..., object]) -> tuple[str, ...]:
    """The options aggregator ``fn`` takes: its keywords other than its inputs."""
    return tuple(n for n in inspect.signature(fn).parameters if n not in _INPUTS)


def required_options(fn: Callable[..., object]) -> tuple[str, ...]:
    """The options of aggregator ``fn`` that have no default, so the config must set them."""
    params = inspect.signature(fn).parameters
    return tuple(n for n in option_names(fn) if params[n].default is inspect.Parameter.empty)
