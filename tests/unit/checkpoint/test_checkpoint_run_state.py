"""A run's checkpoints: when they are due, and that a config change is caught."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from fedprune.checkpoint import CheckpointError, RunCheckpoints
from fedprune.messages import GlobalModel

MODEL = GlobalModel(params={"w": torch.ones(2)}, masks={"w": torch.tensor([True, False])})


def test_due_every_n_rounds_and_never_at_zero(tmp_path: Path) -> None:
    every3 = RunCheckpoints(root=tmp_path, every=3, keep=1, config={})
    never = RunCheckpoints(root=tmp_path, every=0, keep=1, config={})

    assert [r for r in range(1, 10) if every3.due(r)] == [3, 6, 9]
    assert not any(never.due(r) for r in range(1, 10))


def test_latest_gives_the_model_and_state_back(tmp_path: Path) -> None:
    ck = RunCheckpoints(root=tmp_path, every=1, keep=1, config={"seed": 0})
    ck.save(rnd=4, model=MODEL, state={"failed": 2})

    resumed = ck.latest()

    assert resumed is not None and resumed.rnd == 4 and resumed.state == {"failed": 2}
    assert torch.equal(resumed.model.masks["w"], MODEL.masks["w"])


def test_a_checkpoint_is_not_resumed_under_another_config(tmp_path: Path) -> None:
    RunCheckpoints(root=tmp_path, every=1, keep=1, config={"seed": 0}).save(
        rnd=1, model=MODEL, state={}
    )

    with pytest.raises(CheckpointError, match="different config"):
        RunCheckpoints(root=tmp_path, every=1, keep=1, config={"seed": 1}).latest()
