"""Task presets: ``task=text`` picks a data set, a model and training defaults that suit them."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from fedprune.registry import Registry

__all__ = ["TASKS", "with_task_defaults"]

Preset = Mapping[str, Mapping[str, Any]]
TASKS: Registry[Preset] = Registry("task")

# Each preset is plain config data (section -> key -> value), merged *under* what the user wrote,
# so an explicit key always wins and the resolved config.yaml reloads to the same run.
TASKS.register("mnist")({"data": {"dataset": "mnist10k"}, "model": {"name": "cnn"}})
TASKS.register("fashion")({"data": {"dataset": "fashion_mnist"}, "model": {"name": "cnn"}})
TASKS.register("cifar10")(
    {
        "data": {"dataset": "cifar10"},
        "model": {"name": "resnet"},
        "train": {"epochs": 2, "batch_size": 32, "lr": 0.05, "momentum": 0.9},
    }
)
TASKS.register("femnist")(
    {
        "data": {"dataset": "femnist", "partition": "natural"},
        "model": {"name": "cnn"},
        "train": {"epochs": 2, "batch_size": 20, "lr": 0.05},
    }
)
TASKS.register("text")(
    {
        "data": {"dataset": "wordnet", "partition": "dirichlet", "alpha": 0.5},
        "model": {"name": "text_transformer"},
        "train": {"epochs": 1, "batch_size": 32, "lr": 0.15, "momentum": 0.9, "lr_decay": 0.98},
        "federation": {"rounds": 40},
        # per-layer (ERK) allocation: the embedding table's large entries would otherwise take
        # all of global magnitude pruning's budget from the small linear layers
        "pruning": {"pruner": "erk"},
    }
)
TASKS.register("speech")(
    {
        # one synthetic speaker per client: 500 of the 675 training speakers, 20 a round
        "data": {"dataset": "speech_digits", "partition": "natural", "num_clients": 500},
        "model": {"name": "audio_cnn"},
        "train": {"epochs": 2, "batch_size": 10, "lr": 0.05, "momentum": 0.9},
        "federation": {"rounds": 30, "clients_per_round": 20},
    }
)


def with_task_defaults(data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` (raw config) with its task's preset merged underneath; unchanged without a task.

    ``ValueError`` naming the allowed tasks when ``task`` is not one.
    """
    out = copy.deepcopy(dict(data))
    name = out.get("task")
    if name is None:
        return out
    if not isinstance(name, str):
        raise ValueError(f"task must be a string, got {name!r}")
    for section, values in TASKS.get(name).items():
        mine = out.get(section)
        if mine is None:
            out[section] = dict(values)
        elif isinstance(mine, Mapping):
            out[section] = {**values, **mine}
    return out
