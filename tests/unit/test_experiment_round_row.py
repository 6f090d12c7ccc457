"""What each ``rounds.jsonl`` row records beyond the totals: per layer, per client, ε."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fedprune.config import build_config
from fedprune.experiment import Experiment

TINY = ["data.dataset=digits", "model.name=mlp", "data.num_clients=4", "federation.rounds=2"]
TINY += ["federation.clients_per_round=3", "train.epochs=1", "engine.threads=1"]
TINY += ["pruning.schedule=oneshot", "pruning.target=0.5"]


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> tuple[Experiment, Path, dict]:
    out = tmp_path_factory.mktemp("run")
    experiment = Experiment(config=build_config(overrides=TINY))
    result = experiment.run(out=out)
    return experiment, out, {"rounds": result.rounds, "summary": result.summary}


def test_rows_split_bytes_per_client_and_direction(finished: tuple) -> None:
    experiment, out, result = finished
    on_disk = [json.loads(line) for line in (out / "rounds.jsonl").read_text().splitlines()]

    for row, disk in zip(result["rounds"], on_disk, strict=True):
        sampled = {str(c) for c in experiment.sample_clients(row["round"])}
        assert set(row["client_bytes_down"]) == sampled
        assert set(row["client_bytes_up"]) == {str(c) for c in row["clients"]}
        assert sum(row["client_bytes_up"].values()) == row["bytes_up"]
        assert sum(row["client_bytes_down"].values()) == row["bytes_down"]
        assert disk == {**row, "seconds": disk["seconds"]}  # same keys and values in the file


def test_rows_hold_per_layer_and_per_client_sparsity(finished: tuple) -> None:
    experiment, _, result = finished
    rows = result["rounds"]

    assert all(set(r["layer_sparsity"]) == set(experiment.prunable) for r in rows)
    assert rows[-1]["layer_sparsity"] == result["summary"]["layer_sparsity"]
    for row in rows:
        assert set(row["client_sparsity"]) == {str(c) for c in row["clients"]}
        # client-side pruning: every upload is pruned to the one-shot target
        assert list(row["client_sparsity"].values()) == pytest.approx(
            [0.5] * len(row["clients"]), abs=1e-3
        )
    assert all(r["epsilon"] is None for r in rows)  # nothing accounts for privacy yet


def test_the_last_round_leaves_a_mask_snapshot(finished: tuple) -> None:
    _, out, _ = finished

    assert [p.name for p in (out / "masks").iterdir()] == ["round_0002.safetensors"]


@pytest.mark.parametrize("depth", [0, 1])
def test_epsilon_is_read_from_the_strategy_or_one_it_wraps(
    monkeypatch: pytest.MonkeyPatch, depth: int
) -> None:
    experiment = Experiment(config=build_config(overrides=[*TINY, "federation.rounds=1"]))
    holder = experiment.strategy
    for _ in range(depth):
        holder = holder.inner  # the base strategy behind the pruning mode
    monkeypatch.setattr(holder, "epsilon", 1.25, raising=False)

    rows = experiment.run().rounds

    assert [r["epsilon"] for r in rows] == [1.25]
