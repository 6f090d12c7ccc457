"""Every shipped example config validates (and the small one runs)."""

from pathlib import Path

import pytest

from fedprune.config import build_config
from fedprune.experiment import Experiment

EXAMPLES = sorted(
    p
    for p in (Path(__file__).parents[2] / "examples").glob("*.*")
    if p.suffix in (".toml", ".yaml", ".yml")
)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_config_validates(path: Path) -> None:
    cfg = build_config(path=path)
    assert cfg.federation.rounds >= 1


def test_server_pruning_example_runs_to_its_target() -> None:
    path = Path(__file__).parents[2] / "examples" / "server_pruning.toml"
    cfg = build_config(path=path, overrides=["federation.rounds=11"])
    result = Experiment(config=cfg).run()
    assert result.rounds[8]["sparsity"] == 0.0
    assert result.summary["global_sparsity"] == pytest.approx(0.7, abs=1e-3)
    assert result.rounds[-1]["client_val_accuracy"] is not None
