"""``build_config``: files, overrides, defaults and one-line ``ConfigError``s."""

from __future__ import annotations

from pathlib import Path

import pytest

from fedprune.config import ConfigError, build_config


def config_error(overrides: list[str]) -> str:
    """The message of the ``ConfigError`` that ``overrides`` must raise."""
    with pytest.raises(ConfigError) as info:
        build_config(overrides=overrides)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_defaults_are_the_embedded_default_run() -> None:
    cfg = build_config()

    assert cfg.data.dataset == "mnist10k"
    assert cfg.model.name == "cnn"
    assert cfg.data.num_clients == 100
    assert cfg.federation.clients_per_round == 10
    assert cfg.federation.fraction is None
    assert (cfg.data.partition, cfg.data.alpha) == ("dirichlet", 0.5)
    assert (cfg.pruning.mode, cfg.pruning.criterion) == ("client", "magnitude")
    assert cfg.pruning.target == 0.8


def test_toml_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "exp.toml"
    path.write_text(
        'seed = 7\n[data]\ndataset = "digits"\nnum_clients = 20\n'
        '[pruning]\nmode = "server"\ntarget = 0.5\n',
        encoding="utf-8",
    )

    cfg = build_config(path=path)

    assert cfg.seed == 7
    assert (cfg.data.dataset, cfg.data.num_clients) == ("digits", 20)
    assert (cfg.pruning.mode, cfg.pruning.target) == ("server", 0.5)
    assert cfg.model.name == "cnn"  # untouched sections keep their defaults


@pytest.mark.parametrize("suffix", [".yaml", ".yml"])
def test_yaml_file_loads(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"exp{suffix}"
    path.write_text("model:\n  name: mlp\ntrain:\n  epochs: 3\n  lr: 0.1\n", encoding="utf-8")

    cfg = build_config(path=path)

    assert cfg.model.name == "mlp"
    assert (cfg.train.epochs, cfg.train.lr) == (3, 0.1)


def test_empty_yaml_file_gives_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text("", encoding="utf-8")

    assert build_config(path=path) == build_config()


def test_overrides_win_over_the_file(tmp_path: Path) -> None:
    path = tmp_path / "exp.toml"
    path.write_text('[pruning]\ntarget = 0.5\nmode = "server"\n', encoding="utf-8")

    cfg = build_config(path=path, overrides=["pruning.target=0.9"])

    assert cfg.pruning.target == 0.9
    assert cfg.pruning.mode == "server"  # keys not overridden come from the file


def test_overrides_parse_yaml_scalars() -> None:
    cfg = build_config(
        overrides=[
            "seed=3",
            "pruning.target=0.25",
            "data.root=null",
            "pruning.mode=none",
            "data.dataset=digits",
            "engine.threads=2",
        ]
    )

    assert cfg.seed == 3
    assert cfg.pruning.target == 0.25
    assert cfg.data.root is None
    assert cfg.pruning.mode == "none"
    assert cfg.data.dataset == "digits"
    assert cfg.engine.threads == 2


def test_later_override_of_the_same_key_wins() -> None:
    cfg = build_config(overrides=["train.epochs=2", "train.epochs=5"])

    assert cfg.train.epochs == 5


def test_unknown_top_level_key_lists_the_sections() -> None:
    message = config_error(["bogus=1"])

    assert message.startswith("bogus: unknown key")
    sections = (
        "seed, task, data, model, train, federation, pruning, structured, privacy, edge, "
        "adaptive, bandit, dst, prunefl, codec, engine, attack, checkpoint, secagg"
    )
    assert f"allowed: {sections}" in message


def test_unknown_key_in_a_section_lists_that_sections_keys() -> None:
    message = config_error(["pruning.tagret=0.5"])

    assert message.startswith("pruning.tagret: unknown key")
    assert "target" in message
    assert "schedule" in message
    assert "num_clients" not in message  # another section's keys are not offered


def test_unknown_key_in_a_file_section_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "exp.toml"
    path.write_text("[train]\nepochz = 3\n", encoding="utf-8")

    with pytest.raises(ConfigError, match=r"^train\.epochz: unknown key; allowed: epochs"):
        build_config(path=path)


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ("data.num_clients=abc", "data.num_clients"),
        ("data.num_clients=2.5", "data.num_clients"),
        ("train.lr=fast", "train.lr"),
        ("seed=abc", "seed"),
        ("data=5", "data"),
    ],
)
def test_wrong_type_names_the_key(override: str, key: str) -> None:
    message = config_error([override])

    assert message.startswith(f"{key}: ")
    assert "valid" in message


def test_boolean_for_an_integer_key_is_a_wrong_type() -> None:
    config_error(["train.epochs=true"])


@pytest.mark.parametrize(
    ("override", "key", "bound"),
    [
        ("pruning.target=1.5", "pruning.target", "less than or equal to 1"),
        ("pruning.target=-0.1", "pruning.target", "greater than or equal to 0"),
        ("data.alpha=0", "data.alpha", "greater than 0"),
        ("train.epochs=0", "train.epochs", "greater than or equal to 1"),
        ("data.val_fraction=1", "data.val_fraction", "less than 1"),
    ],
)
def test_out_of_range_value_names_the_key_and_bound(override: str, key: str, bound: str) -> None:
    message = config_error([override])

    assert message.startswith(f"{key}: ")
    assert bound in message


def test_unknown_literal_lists_the_allowed_values() -> None:
    message = config_error(["pruning.mode=foo"])

    assert message.startswith("pruning.mode: ")
    assert "'none', 'client' or 'server'" in message


def test_unknown_dataset_lists_the_registered_ones() -> None:
    message = config_error(["data.dataset=cifar"])

    from fedprune.data import DATASETS

    assert "wordnet" in message
    assert message == f"data.dataset: unknown dataset 'cifar'; allowed: {', '.join(DATASETS)}"


def test_unknown_model_lists_the_registered_ones() -> None:
    message = config_error(["model.name=vgg"])

    from fedprune.models import MODELS

    assert "cnn, cnn_bn" in message
    assert message == f"model.name: unknown model 'vgg'; allowed: {', '.join(MODELS)}"


def test_clients_per_round_over_num_clients_is_rejected() -> None:
    message = config_error(["data.num_clients=10", "federation.clients_per_round=11"])

    assert "federation.clients_per_round (11)" in message
    assert "data.num_clients (10)" in message


def test_clients_per_round_equal_to_num_clients_is_allowed() -> None:
    cfg = build_config(overrides=["data.num_clients=10", "federation.clients_per_round=10"])

    assert cfg.federation.clients_per_round == 10


def test_threshold_pruner_needs_a_threshold() -> None:
    message = config_error(["pruning.pruner=threshold"])

    assert "pruning.threshold is required" in message


def test_threshold_pruner_with_a_threshold_is_accepted() -> None:
    cfg = build_config(overrides=["pruning.pruner=threshold", "pruning.threshold=0.01"])

    assert cfg.pruning.threshold == 0.01


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"

    with pytest.raises(ConfigError, match="config file not found"):
        build_config(path=missing)


def test_unknown_suffix_lists_the_allowed_ones(tmp_path: Path) -> None:
    path = tmp_path / "exp.json"
    path.write_text("{}", encoding="utf-8")

    with pytest.raises(ConfigError, match=r"unknown suffix '\.json'; allowed: \.toml, \.yaml"):
        build_config(path=path)


@pytest.mark.parametrize(("name", "text"), [("bad.toml", "[data\n"), ("bad.yaml", "data: [1,\n")])
def test_unparseable_file_is_a_one_line_config_error(tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")

    with pytest.raises(ConfigError, match="does not parse") as info:
        build_config(path=path)

    assert "\n" not in str(info.value)


def test_yaml_file_whose_top_level_is_not_a_table_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("- 1\n- 2\n", encoding="utf-8")

    with pytest.raises(ConfigError, match="top level must be a table"):
        build_config(path=path)


@pytest.mark.parametrize("override", ["pruning.target", "=0.5", ""])
def test_bad_override_syntax_is_rejected(override: str) -> None:
    message = config_error([override])

    assert message == f"override {override!r} must look like section.key=value"


def test_override_into_a_scalar_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "exp.yaml"
    path.write_text("data: 5\n", encoding="utf-8")

    with pytest.raises(ConfigError, match="data is not a section"):
        build_config(path=path, overrides=["data.alpha=1.0"])


def test_unparseable_override_value_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        build_config(overrides=["pruning.mode=["])


def test_override_in_exponent_notation_without_a_dot_is_a_float() -> None:
    cfg = build_config(overrides=["train.weight_decay=1e-4"])
    assert cfg.train.weight_decay == 1e-4
