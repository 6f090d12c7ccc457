"""The comparison table's cells: mean ± std, target reached by some, all or none, ε if any."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fedprune.compare import ComparePlan, CompareResult, CompareRun, Variant, compare_table


def figures(acc: float, reach: dict | None, epsilon: float | None = None) -> dict[str, Any]:
    return {
        "final_accuracy": acc,
        "bytes_total": 2_000_000,
        "sparsity": 0.5,
        "macs": 1000,
        "epsilon": epsilon,
        "target": reach,
    }


def result(target: float | None, runs: dict[str, list[dict[str, Any]]]) -> CompareResult:
    variants = [Variant(name=n, config=Path(f"{n}.toml"), configs={}) for n in runs]
    plan = ComparePlan(variants=variants, seeds=[0, 1], overrides=[], target=target)
    done = [
        CompareRun(variant=n, seed=s, path=Path(n) / f"seed-{s}", figures=f)
        for n, fs in runs.items()
        for s, f in enumerate(fs)
    ]
    return CompareResult(plan=plan, runs=done)


def test_cells_show_mean_std_and_how_many_runs_reached_the_target() -> None:
    hit = {"round": 2, "bytes": 1_000_000, "seconds": 3.0}
    table = compare_table(
        result(
            0.9,
            {
                "all": [figures(0.9, hit), figures(0.92, hit)],
                "some": [figures(0.9, hit), figures(0.7, None)],
                "none": [figures(0.5, None), figures(0.6, None)],
            },
        )
    )

    assert table.header == [
        "variant",
        "runs",
        "final accuracy",
        "bytes (up + down)",
        "bytes to 0.9",
        "time to 0.9",
        "sparsity",
        "MACs",
    ]
    rows = {r[0]: dict(zip(table.header, r, strict=True)) for r in table.rows}
    assert rows["all"]["final accuracy"] == "0.9100 ± 0.0100"
    assert rows["all"]["bytes to 0.9"] == "1.00 MB ± 0 B"
    assert rows["all"]["time to 0.9"] == "3.0 s ± 0.0 s"
    assert rows["some"]["bytes to 0.9"] == "1.00 MB ± 0 B (1/2)"
    assert rows["none"]["time to 0.9"] == "not reached"
    assert table.caption == "Mean ± std over seeds 0, 1"


def test_without_a_target_no_target_columns_and_eps_only_when_recorded() -> None:
    table = compare_table(result(None, {"dp": [figures(0.8, None, 1.0), figures(0.8, None, 3.0)]}))

    assert "time to" not in " ".join(table.header)
    assert table.header[-1] == "ε"
    assert table.rows[0][-1] == "2 ± 1"
