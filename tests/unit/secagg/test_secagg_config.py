"""The secagg config section and which other settings it refuses, with the reason."""

from __future__ import annotations

import pytest

from fedprune.config import ConfigError, build_config
from fedprune.secagg.federation import default_threshold

BASE = ["secagg.enabled=true", "pruning.mode=server", "federation.clients_per_round=6"]


@pytest.mark.parametrize(
    "extra",
    [
        [],
        ["pruning.mode=none"],
        ["secagg.bits=32", "secagg.max_examples=1000", "secagg.clip=0.5"],
        ["secagg.threshold=6", "secagg.dropout=0"],
        ["secagg.neighbours=2", "secagg.dropout=0.3"],
        ["privacy.mode=local"],
        ["federation.strategy=fedadam"],
        ["structured.mode=server", "structured.ratio=0.5"],
        ["codec.delta=true"],
    ],
)
def test_compatible_settings_load(extra: list[str]) -> None:
    cfg = build_config(overrides=[*BASE, *extra])
    assert cfg.secagg.enabled


def test_defaults_are_off_with_a_64_bit_ring() -> None:
    s = build_config().secagg
    assert (s.enabled, s.bits, s.threshold, s.dropout, s.neighbours) == (False, 64, None, 0.0, None)


@pytest.mark.parametrize(
    ("extra", "match"),
    [
        (["pruning.mode=client"], "pruning.mode must be 'server' or 'none'"),
        (["federation.aggregator=median"], "federation.aggregator must be 'mean'"),
        (["federation.aggregator=masked_mean"], "federation.aggregator must be 'mean'"),
        (["federation.max_update_norm=5"], "max_update_norm checks each update"),
        (["privacy.mode=central"], "privacy.mode 'central'"),
        (["structured.mode=client", "structured.ratio=0.5"], "structured.mode 'client'"),
        (["codec.uplink=int8"], "codec.uplink must be 'fp32'"),
        (["codec.downlink=mask-known+fp16"], "a mask-known downlink"),
        (["secagg.threshold=7"], r"secagg.threshold \(7\) must be <= the 6 holders"),
        (["secagg.neighbours=2", "secagg.threshold=4"], "<= the 3 holders"),
        (["secagg.neighbours=3"], "secagg.neighbours must be even"),
        (["secagg.dropout=0.5"], "leaves 3 of 6 clients, below the threshold of 4"),
        (["secagg.bits=32", "secagg.max_examples=1000000000"], "32-bit ring cannot hold"),
        (["federation.clients_per_round=1"], "at least 2 clients"),
        (["secagg.bits=16"], "secagg.bits"),
        (["secagg.dropout=1.0"], "secagg.dropout"),
    ],
)
def test_incompatible_settings_are_refused_with_the_reason(extra: list[str], match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        build_config(overrides=[*BASE, *extra])


def test_rules_apply_only_when_enabled() -> None:
    build_config(overrides=["secagg.enabled=false", "pruning.mode=client", "secagg.threshold=99"])


def test_fraction_sampling_counts_the_expected_clients() -> None:
    with pytest.raises(ConfigError, match="must be <= the 5 holders"):
        build_config(
            overrides=[
                "secagg.enabled=true",
                "pruning.mode=server",
                "data.num_clients=50",
                "federation.fraction=0.1",
                "secagg.threshold=6",
            ]
        )


@pytest.mark.parametrize(("holders", "t"), [(2, 2), (3, 2), (4, 3), (6, 4), (10, 7), (100, 67)])
def test_default_threshold_is_two_thirds_rounded_up(holders: int, t: int) -> None:
    assert default_threshold(holders) == t
