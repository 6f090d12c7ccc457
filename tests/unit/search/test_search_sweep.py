"""Planning a sweep (every config validated up front), running it, and ``sweep.json``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from fedprune.config import ConfigError, ExperimentConfig
from fedprune.search import FoldResult, plan_sweep, run_sweep, write_sweep
from fedprune.search import sweep as sweep_module

BASE = ["data.dataset=digits", "model.name=mlp", "data.num_clients=4"]
BASE += ["federation.clients_per_round=2", "federation.rounds=1"]


def config_error(**kwargs) -> str:
    with pytest.raises(ConfigError) as info:
        plan_sweep(**{"overrides": BASE, "grid": ["pruning.target=0.5"], "folds": 2, **kwargs})
    assert "\n" not in str(info.value)
    return str(info.value)


def test_plan_has_dense_first_and_one_config_per_point_and_fold() -> None:
    plan = plan_sweep(overrides=BASE, grid=["pruning.target=0.5,0.9"], folds=3)

    assert plan.runs == 9
    assert [p.label for p in plan.points] == ["dense", "pruning.target=0.5", "pruning.target=0.9"]
    assert [c.pruning.mode for c in plan.configs[0]] == ["none"] * 3
    assert [c.pruning.target for c in plan.configs[2]] == [0.9] * 3
    assert [(c.data.cv_folds, c.data.cv_fold) for c in plan.configs[1]] == [(3, 0), (3, 1), (3, 2)]
    assert plan.base.data.cv_folds is None


def test_the_folds_replace_a_validation_split_of_the_base_config() -> None:
    plan = plan_sweep(overrides=[*BASE, "data.val_fraction=0.1"], grid=["seed=1"], folds=2)

    assert plan.base.data.val_fraction == 0.1
    assert all(c.data.val_fraction == 0.0 for fold in plan.configs for c in fold)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"grid": ["pruning.target=0.5,1.5"]}, "grid point pruning.target=1.5: pruning.target: "),
        ({"grid": ["pruning.bogus=1"]}, "pruning.bogus: unknown key"),
        ({"grid": ["pruning.target"]}, "must look like section.key=v1,v2,..."),
        ({"folds": 1}, "folds must be an int >= 2, got 1"),
        ({"tolerance": 2.0}, "tolerance must be in [0, 1]"),
    ],
)
def test_any_bad_run_is_a_one_line_config_error_before_anything_runs(kwargs, message) -> None:
    assert message in config_error(**kwargs)


def fake_cross_validate(*, configs: Sequence[ExperimentConfig], on_fold=None) -> list[FoldResult]:
    """Accuracy falls slowly up to 80% sparsity, then collapses: 0.8 is the known best."""
    drop = {0.0: 0.0, 0.5: 0.002, 0.8: 0.006, 0.9: 0.05}
    results = []
    for c in configs:
        sparsity = 0.0 if c.pruning.mode == "none" else c.pruning.target
        acc = 0.9 - drop[sparsity] + (0.004 if c.data.cv_fold else -0.004)
        results.append(FoldResult(c.data.cv_fold, acc, 0.3, 100, sparsity, acc))
        if on_fold:
            on_fold(results[-1])
    return results


def test_sweep_picks_the_known_best_setting_and_writes_it(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setattr(sweep_module, "cross_validate", fake_cross_validate)
    plan = plan_sweep(overrides=BASE, grid=["pruning.target=0.5,0.8,0.9"], folds=2)
    seen: list[tuple[str, int]] = []

    result = run_sweep(plan=plan, on_fold=lambda p, f: seen.append((p.label, f.fold)))
    written = json.loads(write_sweep(result=result, out=tmp_path).read_text())

    assert result.chosen == 2
    assert [p.within_tolerance for p in result.points] == [True, True, True, False]
    assert len(seen) == 8 and seen[0] == ("dense", 0)
    assert written["chosen"] == {
        "index": 2,
        "label": "pruning.target=0.8",
        "overrides": ["pruning.target=0.8"],
    }
    assert (written["folds"], written["tolerance"], written["seed"]) == (2, 0.01, 0)
    point = written["points"][2]
    assert point["chosen"] and point["sparsity"] == 0.8
    assert point["accuracy_mean"] == pytest.approx(0.894)
    assert point["accuracy_std"] == pytest.approx(0.004)
    assert [f["accuracy"] for f in point["folds"]] == pytest.approx([0.89, 0.898])
    assert written["config"]["data"]["num_clients"] == 4
