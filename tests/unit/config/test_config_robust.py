"""Config keys of robust aggregation, update validation and attacks."""

from __future__ import annotations

import pytest

from fedprune.config import ConfigError, build_config


@pytest.mark.parametrize(
    "overrides",
    [
        ["federation.aggregator=median"],
        ["federation.aggregator=trimmed_mean", "federation.trim=0.2"],
        ["federation.aggregator=krum", "federation.byzantine=2"],
        ["federation.aggregator=multi_krum", "federation.byzantine=1", "federation.krum_m=4"],
        ["federation.aggregator=norm_bound", "federation.norm_bound=2.5"],
        ["federation.max_update_norm=10", "federation.min_updates=3"],
        ["attack.kind=backdoor", "attack.fraction=0.2", "attack.target=3"],
        ["attack.kind=sign_flip", "attack.fraction=0.1", "attack.scale=4"],
    ],
)
def test_valid_settings_load(overrides: list[str]) -> None:
    build_config(overrides=overrides)


@pytest.mark.parametrize(
    ("overrides", "match"),
    [
        (["federation.trim=0.2"], "federation.trim is not used by aggregator 'mean'"),
        (["federation.aggregator=median", "federation.byzantine=1"], "byzantine is not used"),
        (["federation.aggregator=krum", "federation.krum_m=2"], "krum_m is not used"),
        (["federation.aggregator=norm_bound"], "federation.norm_bound is required"),
        (["federation.aggregator=trimmed_mean", "federation.trim=0.5"], "federation.trim"),
        (["federation.aggregator=average"], "federation.aggregator"),
        (["federation.min_updates=11"], r"min_updates \(11\) must be <= .*clients_per_round"),
        (["federation.max_update_norm=0"], "federation.max_update_norm"),
        (["attack.kind=scale"], "attack.kind 'scale' needs attack.fraction > 0"),
        (["attack.fraction=0.2"], "attack.fraction needs an attack.kind"),
        (["attack.kind=poison", "attack.fraction=0.2"], "unknown attack 'poison'; allowed"),
        (["attack.kind=nan", "attack.fraction=0.2", "attack.std=1"], "attack.std is not used"),
        (["attack.kind=gaussian", "attack.fraction=1.5"], "attack.fraction"),
    ],
)
def test_bad_settings_name_the_key(overrides: list[str], match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        build_config(overrides=overrides)
