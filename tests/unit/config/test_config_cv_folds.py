"""``data.cv_folds`` / ``data.cv_fold``: the cross-validation hook's config keys."""

from __future__ import annotations

import pytest

from fedprune.config import ConfigError, build_config


def test_cross_validation_is_off_by_default() -> None:
    cfg = build_config()

    assert (cfg.data.cv_folds, cfg.data.cv_fold) == (None, 0)


def test_a_fold_below_the_fold_count_is_accepted() -> None:
    cfg = build_config(overrides=["data.cv_folds=3", "data.cv_fold=2"])

    assert (cfg.data.cv_folds, cfg.data.cv_fold) == (3, 2)


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (["data.cv_folds=3", "data.cv_fold=3"], "data.cv_fold (3) must be < data.cv_folds (3)"),
        (["data.cv_fold=1"], "data.cv_fold needs data.cv_folds"),
        (["data.cv_folds=1"], "data.cv_folds: Input should be greater than or equal to 2"),
        (
            ["data.cv_folds=2", "data.val_fraction=0.1"],
            "set one of data.val_fraction, data.cv_folds",
        ),
    ],
)
def test_inconsistent_cv_keys_are_one_line_errors(overrides: list[str], expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        build_config(overrides=overrides)

    assert expected in str(info.value)
    assert "\n" not in str(info.value)
