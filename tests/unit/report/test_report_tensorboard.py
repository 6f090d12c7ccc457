"""TensorBoard scalars from run directories, and a clear error without tensorboard."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path

import pytest

from fedprune.report import ReportError, load_run, write_tensorboard


def test_without_tensorboard_the_error_says_what_to_install(
    run_dir: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "tensorboard" else real(name)
    )

    with pytest.raises(ReportError, match="pip install tensorboard"):
        write_tensorboard(runs=[load_run(run_dir("a"))], log_dir=tmp_path / "tb")


def test_scalars_are_written_per_run_and_round(
    run_dir: Callable[..., Path], tmp_path: Path
) -> None:
    pytest.importorskip("tensorboard", reason="optional extra fedprune[tensorboard]")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    runs = [load_run(run_dir("a/seed-0", epsilon=0.5), label="a/seed-0")]

    paths = write_tensorboard(runs=runs, log_dir=tmp_path / "tb")

    assert paths == [tmp_path / "tb" / "a_seed-0"]
    events = EventAccumulator(str(paths[0]))
    events.Reload()
    tags = set(events.Tags()["scalars"])
    assert {"accuracy", "loss", "bytes/cumulative", "privacy/epsilon", "sparsity/fc.weight"} <= tags
    accuracy = events.Scalars("accuracy")
    assert [e.step for e in accuracy] == [r["round"] for r in runs[0].rounds]
    assert [e.value for e in accuracy] == pytest.approx([r["accuracy"] for r in runs[0].rounds])
    by_bytes = events.Scalars("accuracy_vs_bytes")
    assert [e.step for e in by_bytes] == runs[0].cumulative_bytes()
