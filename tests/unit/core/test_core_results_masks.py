"""Mask snapshots of the run directory: every ``report_every`` rounds and the last, uint8."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.numpy import load_file

from fedprune.results import RunWriter, snapshot_name

MASKS = {"a.weight": torch.tensor([[True, False], [False, True]]), "b.weight": torch.ones(3) > 0}


def test_snapshots_are_written_every_report_every_rounds_and_at_the_last(tmp_path: Path) -> None:
    writer = RunWriter(out=tmp_path, config={}, report_every=3)

    written = [writer.masks(rnd=r, masks=MASKS, last=r == 7) for r in range(1, 8)]

    assert [p.name if p else None for p in written] == [
        None,
        None,
        snapshot_name(3),
        None,
        None,
        snapshot_name(6),
        snapshot_name(7),
    ]
    assert sorted(p.name for p in (tmp_path / "masks").iterdir()) == [
        "round_0003.safetensors",
        "round_0006.safetensors",
        "round_0007.safetensors",
    ]
    writer.close()


def test_a_snapshot_holds_the_masks_as_uint8(tmp_path: Path) -> None:
    writer = RunWriter(out=tmp_path, config={}, report_every=1)

    path = writer.masks(rnd=1, masks=MASKS)

    assert path is not None
    loaded = load_file(str(path))
    assert set(loaded) == set(MASKS)
    for name, mask in MASKS.items():
        assert loaded[name].dtype == np.uint8
        np.testing.assert_array_equal(loaded[name], mask.numpy().astype(np.uint8))
    writer.close()


def test_report_every_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="report_every"):
        RunWriter(out=tmp_path, config={}, report_every=0)
