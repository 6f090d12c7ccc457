"""``task=`` presets: merged under the config, explicit keys win, the result reloads the same."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from fedprune.config import ConfigError, build_config
from fedprune.tasks import TASKS


def test_a_task_sets_data_model_and_training_defaults() -> None:
    cfg = build_config(overrides=["task=text"])

    assert (cfg.data.dataset, cfg.model.name) == ("wordnet", "text_transformer")
    assert cfg.train.batch_size == TASKS.get("text")["train"]["batch_size"]
    assert cfg.federation.rounds == TASKS.get("text")["federation"]["rounds"]


def test_explicit_keys_win_over_the_preset(tmp_path: Path) -> None:
    path = tmp_path / "exp.yaml"
    path.write_text("task: speech\ntrain:\n  epochs: 7\n", encoding="utf-8")

    cfg = build_config(path=path, overrides=["model.name=cnn"])

    assert cfg.data.dataset == "speech_digits"
    assert cfg.model.name == "cnn"
    assert cfg.train.epochs == 7
    assert cfg.train.lr == TASKS.get("speech")["train"]["lr"]


def test_the_resolved_config_reloads_to_the_same_config(tmp_path: Path) -> None:
    cfg = build_config(overrides=["task=femnist", "data.root=/data/femnist"])
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(cfg.model_dump(mode="json")), encoding="utf-8")

    assert build_config(path=path) == cfg


def test_an_unknown_task_lists_the_tasks() -> None:
    with pytest.raises(ConfigError, match="unknown task 'audio'; allowed: cifar10, fashion"):
        build_config(overrides=["task=audio"])


def test_dataset_options_pass_through_as_a_table() -> None:
    cfg = build_config(overrides=["data.options.speakers=12", "data.options.seed=3"])

    assert cfg.data.options == {"speakers": 12, "seed": 3}
