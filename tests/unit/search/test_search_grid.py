"""Grid specs: parsing, the dense baseline, and one-line errors."""

from __future__ import annotations

import pytest

from fedprune.search.grid import DENSE, GridError, GridPoint, parse_grid, split_values


def test_one_spec_gives_dense_then_each_value() -> None:
    points = parse_grid(["pruning.target=0.5,0.8"])

    assert points == [
        DENSE,
        GridPoint(overrides=("pruning.target=0.5",), label="pruning.target=0.5"),
        GridPoint(overrides=("pruning.target=0.8",), label="pruning.target=0.8"),
    ]
    assert DENSE.dense and DENSE.overrides == ("pruning.mode=none",)


def test_several_specs_span_their_product_first_spec_slowest() -> None:
    points = parse_grid(["pruning.target=0.5,0.9", "pruning.pruner=layer, global"])

    assert [p.overrides for p in points[1:]] == [
        ("pruning.target=0.5", "pruning.pruner=layer"),
        ("pruning.target=0.5", "pruning.pruner=global"),
        ("pruning.target=0.9", "pruning.pruner=layer"),
        ("pruning.target=0.9", "pruning.pruner=global"),
    ]
    assert points[2].label == "pruning.target=0.5, pruning.pruner=global"
    assert not any(p.dense for p in points[1:])


def test_commas_inside_brackets_do_not_split_values() -> None:
    assert split_values("int4(channel, stochastic)+ans, fp16 ,[1, 2]") == [
        "int4(channel, stochastic)+ans",
        "fp16",
        "[1, 2]",
    ]


@pytest.mark.parametrize(
    ("specs", "message"),
    [
        ([], "the grid is empty"),
        (["pruning.target"], "must look like section.key=v1,v2,..."),
        (["=0.5"], "must look like section.key=v1,v2,..."),
        (["pruning.target="], "must look like section.key=v1,v2,..."),
        (["pruning.target=0.5,,0.8"], "has an empty value"),
        (["pruning.target=0.5,0.5"], "repeats a value"),
        (["pruning.target=0.5", "pruning.target=0.8"], "pruning.target is given twice"),
        (["data.cv_fold=0,1"], "data.cv_fold is set by the sweep itself"),
    ],
)
def test_bad_specs_raise_one_line_grid_errors(specs: list[str], message: str) -> None:
    with pytest.raises(GridError) as info:
        parse_grid(specs)

    assert message in str(info.value)
    assert "\n" not in str(info.value)
