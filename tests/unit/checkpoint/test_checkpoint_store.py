"""Checkpoint directories: safetensors + JSON, atomic, the newest ``keep`` kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

import fedprune.checkpoint.store as store_module
from fedprune.checkpoint import CheckpointError, CheckpointStore, SealError

KEY = bytes(range(32))


def state(step: int) -> dict:
    return {
        "steps": step,
        "model": {"w": torch.full((2, 2), float(step)), "mask": torch.tensor([True, False])},
    }


def test_save_then_load_round_trips(tmp_path: Path) -> None:
    store = CheckpointStore(root=tmp_path)
    store.save(rnd=3, state=state(3))

    loaded = store.latest()

    assert loaded is not None and loaded.rnd == 3
    assert loaded.state["steps"] == 3
    assert torch.equal(loaded.state["model"]["w"], torch.full((2, 2), 3.0))
    assert torch.equal(loaded.state["model"]["mask"], torch.tensor([True, False]))


def test_files_are_plain_safetensors_and_json(tmp_path: Path) -> None:
    where = CheckpointStore(root=tmp_path).save(rnd=1, state=state(1))

    tensors = load_file(where / "tensors.safetensors")
    document = json.loads((where / "state.json").read_text())

    assert where.name == "round_0001"
    assert tensors["model/mask"].dtype == torch.uint8
    assert document["round"] == 1 and document["state"]["steps"] == 1


def test_only_the_newest_keep_remain(tmp_path: Path) -> None:
    store = CheckpointStore(root=tmp_path, keep=2)
    for rnd in (2, 4, 6):
        store.save(rnd=rnd, state=state(rnd))

    assert store.rounds() == [4, 6]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["round_0004", "round_0006"]


def test_no_checkpoint_is_none(tmp_path: Path) -> None:
    assert CheckpointStore(root=tmp_path / "none").latest() is None


def test_a_write_killed_midway_leaves_the_previous_checkpoint_latest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = CheckpointStore(root=tmp_path)
    store.save(rnd=2, state=state(2))
    real = store_module.write_file
    calls = []

    def dies_on_second_file(*args: object, **kwargs: object) -> Path:
        calls.append(args)
        if len(calls) == 2:
            raise KeyboardInterrupt  # stands in for a kill between the two files
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(store_module, "write_file", dies_on_second_file)
    with pytest.raises(KeyboardInterrupt):
        store.save(rnd=4, state=state(4))
    monkeypatch.setattr(store_module, "write_file", real)

    loaded = store.latest()
    assert loaded is not None and loaded.rnd == 2 and loaded.state["steps"] == 2
    store.save(rnd=6, state=state(6))  # the next save clears the leftover
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_a_corrupt_state_file_is_a_checkpoint_error(tmp_path: Path) -> None:
    where = CheckpointStore(root=tmp_path).save(rnd=1, state=state(1))
    (where / "state.json").write_text("{not json")

    with pytest.raises(CheckpointError, match="corrupt"):
        CheckpointStore(root=tmp_path).latest()


def test_sealed_checkpoints_need_the_right_key(tmp_path: Path) -> None:
    where = CheckpointStore(root=tmp_path, key=KEY).save(rnd=1, state=state(1))

    assert sorted(p.name for p in where.iterdir()) == ["state.json.enc", "tensors.safetensors.enc"]
    loaded = CheckpointStore(root=tmp_path, key=KEY).latest()
    assert loaded is not None and loaded.state["steps"] == 1
    with pytest.raises(SealError, match="wrong key"):
        CheckpointStore(root=tmp_path, key=bytes(32)).latest()
    with pytest.raises(SealError, match="encrypted"):
        CheckpointStore(root=tmp_path).latest()


def test_a_sealed_file_swapped_in_from_another_round_is_refused(tmp_path: Path) -> None:
    store = CheckpointStore(root=tmp_path, key=KEY, keep=5)
    old, new = store.save(rnd=1, state=state(1)), store.save(rnd=2, state=state(2))
    (new / "state.json.enc").write_bytes((old / "state.json.enc").read_bytes())

    with pytest.raises(SealError, match=r"round_0002/state\.json"):
        store.latest()
