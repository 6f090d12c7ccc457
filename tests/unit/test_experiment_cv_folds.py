"""``data.cv_folds``: over the folds, each client's held-out parts partition its data."""

from __future__ import annotations

from collections import Counter

import pytest
import torch

from fedprune.config import build_config
from fedprune.experiment import Experiment

TINY = ["data.dataset=digits", "model.name=mlp", "data.num_clients=4", "federation.rounds=1"]
TINY += ["federation.clients_per_round=2"]


def rows(x: torch.Tensor, y: torch.Tensor) -> Counter[bytes]:
    return Counter(xi.numpy().tobytes() + bytes([int(yi)]) for xi, yi in zip(x, y, strict=True))


def clients(*overrides: str) -> list:
    return Experiment(config=build_config(overrides=[*TINY, *overrides])).client_data


def test_held_out_folds_partition_each_clients_data_and_training_gets_the_rest() -> None:
    folds = [clients("data.cv_folds=3", f"data.cv_fold={i}") for i in range(3)]
    whole = clients()

    for cid, data in enumerate(whole):
        everything = rows(data.x, data.y)
        held_out: Counter[bytes] = Counter()
        for fold in folds:
            part = fold[cid]
            assert part.x_val is not None and part.y_val is not None
            held_out += rows(part.x_val, part.y_val)
            assert rows(part.x, part.y) + rows(part.x_val, part.y_val) == everything
        assert held_out == everything


def test_without_cv_folds_clients_keep_all_data_and_no_validation() -> None:
    data = clients()[0]

    assert data.x_val is None and data.y_val is None


def test_a_client_smaller_than_the_fold_count_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="fewer than the 5 folds"):
        clients("data.num_clients=400", "data.cv_folds=5", "data.partition=iid")
