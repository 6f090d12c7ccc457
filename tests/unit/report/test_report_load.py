"""Loading run directories: what a good one yields, and one clear line for each bad one."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from fedprune.report import ReportError, load_run, load_runs, unique_labels

from .conftest import masks_at, rewrite_rows


def test_a_written_run_loads_with_rounds_summary_config_and_snapshots(
    run_dir: Callable[..., Path],
) -> None:
    path = run_dir("a", rounds=5, report_every=2)

    run = load_run(path)

    assert run.label == run.group == "a"
    assert [r["round"] for r in run.rounds] == [1, 2, 3, 4, 5]
    assert run.summary["rounds"] == 5
    assert run.config == {"seed": 0}
    assert sorted(run.snapshots) == [2, 4, 5]  # every 2nd round and the last
    expected = masks_at(4, 5)
    for name, mask in run.snapshots[4].items():
        assert mask.dtype == np.uint8
        np.testing.assert_array_equal(mask, expected[name].numpy().astype(np.uint8))
    assert run.cumulative_bytes() == [
        r["bytes_up_total"] + r["bytes_down_total"] for r in run.rounds
    ]


def _drop(name: str) -> Callable[[Path], None]:
    return lambda p: (p / name).unlink()


def _write(name: str, text: str) -> Callable[[Path], None]:
    return lambda p: (p / name).write_text(text)


def _snapshot(name: str, content: bytes) -> Callable[[Path], None]:
    return lambda p: (p / "masks" / name).write_bytes(content)


@pytest.mark.parametrize(
    ("damage", "named"),
    [
        (_drop("rounds.jsonl"), "no rounds.jsonl"),
        (_drop("summary.json"), "no summary.json"),
        (_write("rounds.jsonl", ""), "no rounds recorded"),
        (_write("rounds.jsonl", '{"round": 1,'), "rounds.jsonl line 1: not valid JSON"),
        (_write("rounds.jsonl", "[1, 2]\n"), "line 1: expected a JSON object"),
        (_write("rounds.jsonl", '{"round": 1}\n'), "line 1: missing accuracy"),
        (_write("summary.json", "{oops"), "summary.json: not valid JSON"),
        (_write("config.yaml", "a: [1,"), "config.yaml: not valid YAML"),
        (_snapshot("round_0001.safetensors", b"garbage"), "not a readable mask snapshot"),
        (_snapshot("latest.safetensors", b""), "named round_NNNN.safetensors"),
    ],
)
def test_a_damaged_run_names_the_file_and_the_problem(
    run_dir: Callable[..., Path], damage: Callable[[Path], None], named: str
) -> None:
    path = run_dir("bad")
    damage(path)

    with pytest.raises(ReportError) as info:
        load_run(path)

    message = str(info.value)
    assert named in message
    assert str(path) in message
    assert "\n" not in message


def test_a_missing_directory_or_a_file_is_refused(tmp_path: Path) -> None:
    file = tmp_path / "file.txt"
    file.write_text("x")

    with pytest.raises(ReportError, match="run directory not found"):
        load_run(tmp_path / "nowhere")
    with pytest.raises(ReportError, match="a file"):
        load_run(file)
    with pytest.raises(ReportError, match="no run directories"):
        load_runs([])


def test_a_row_missing_only_newer_keys_still_loads(run_dir: Callable[..., Path]) -> None:
    # runs written before layer/client columns existed are still reported on
    path = run_dir("old")
    newer = ("layer_sparsity", "client_sparsity", "client_bytes_up", "client_bytes_down")
    rewrite_rows(path, lambda rows: [{k: v for k, v in r.items() if k not in newer} for r in rows])

    assert len(load_run(path).rounds) == 4


def test_labels_are_the_shortest_suffixes_that_tell_runs_apart(tmp_path: Path) -> None:
    paths = [tmp_path / "a" / "seed-0", tmp_path / "b" / "seed-0", tmp_path / "c"]

    assert unique_labels(paths) == ["a/seed-0", "b/seed-0", "c"]
    assert unique_labels([tmp_path / "x", tmp_path / "y"]) == ["x", "y"]


def test_load_runs_labels_each_run(run_dir: Callable[..., Path]) -> None:
    first = run_dir("a/seed-0")
    second = run_dir("b/seed-0")

    runs = load_runs([first, second])

    assert [r.label for r in runs] == ["a/seed-0", "b/seed-0"]
    assert [r.group for r in runs] == ["a/seed-0", "b/seed-0"]
