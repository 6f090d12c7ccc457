"""Planning a comparison: names, seeds, shared overrides, and identical data for all variants."""

from __future__ import annotations

from pathlib import Path

import pytest

from fedprune.compare import CompareError, parse_seeds, plan_compare


def config(tmp_path: Path, name: str, body: str = "") -> Path:
    path = tmp_path / f"{name}.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('[data]\ndataset = "digits"\nnum_clients = 10\n' + body)
    return path


def test_every_variant_gets_every_seed_and_the_shared_overrides(tmp_path: Path) -> None:
    a = config(tmp_path, "a", '[pruning]\nmode = "none"\n')
    b = config(tmp_path, "b", "[pruning]\ntarget = 0.5\n")

    plan = plan_compare(
        configs=[a, b], overrides=["federation.rounds=3", "seed=9"], seeds=[0, 1], target=0.9
    )

    assert [v.name for v in plan.variants] == ["a", "b"]
    assert plan.runs == 4 and plan.rounds == 12
    for variant in plan.variants:
        assert sorted(variant.configs) == [0, 1]
        for seed, cfg in variant.configs.items():
            assert cfg.seed == seed  # the compare seed wins over any --set seed
            assert cfg.federation.rounds == 3
    assert plan.variants[0].configs[0].pruning.mode == "none"
    assert plan.variants[1].configs[1].pruning.target == 0.5


def test_names_default_to_file_stems_and_must_be_unique_and_one_per_config(
    tmp_path: Path,
) -> None:
    a, b = config(tmp_path, "a"), config(tmp_path / "other", "a")

    assert [v.name for v in plan_compare(configs=[a], names=["x"]).variants] == ["x"]
    with pytest.raises(CompareError, match="repeat"):
        plan_compare(configs=[a, b])
    with pytest.raises(CompareError, match="one --name per --config"):
        plan_compare(configs=[a, a], names=["x"])
    with pytest.raises(CompareError, match="variant name 'a/b'"):
        plan_compare(configs=[a], names=["a/b"])


def test_variants_must_share_data_and_partitions(tmp_path: Path) -> None:
    a = config(tmp_path, "a")
    b = config(tmp_path, "b", "[federation]\nrounds = 2\n")
    c = config(tmp_path, "c")
    c.write_text('[data]\ndataset = "digits"\nnum_clients = 12\n')

    assert len(plan_compare(configs=[a, b]).variants) == 2  # other sections may differ
    with pytest.raises(CompareError, match=r"a and c differ in data.num_clients \(10 vs 12\)"):
        plan_compare(configs=[a, b, c])


def test_a_bad_variant_config_names_the_variant_and_the_key(tmp_path: Path) -> None:
    bad = config(tmp_path, "bad", "[pruning]\ntarget = 2.0\n")

    with pytest.raises(CompareError, match=r"variant bad: pruning\.target"):
        plan_compare(configs=[bad])
    with pytest.raises(CompareError, match=r"nope\.toml"):
        plan_compare(configs=[tmp_path / "nope.toml"])
    with pytest.raises(CompareError, match="at least one --config"):
        plan_compare(configs=[])
    with pytest.raises(CompareError, match="target-accuracy"):
        plan_compare(configs=[config(tmp_path, "ok")], target=0.0)


def test_seeds_parse_from_commas_and_repeats() -> None:
    assert parse_seeds(["0,1", "5"]) == [0, 1, 5]
    with pytest.raises(CompareError, match="'x' is not an integer"):
        parse_seeds(["0,x"])
    with pytest.raises(CompareError, match="repeated seed"):
        parse_seeds(["1", "1"])
    with pytest.raises(CompareError, match="at least one seed"):
        parse_seeds([])
