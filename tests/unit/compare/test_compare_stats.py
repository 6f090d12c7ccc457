"""Per-run figures and their mean ± std over seeds."""

from __future__ import annotations

import pytest

from fedprune.compare import mean_std, run_figures, variant_stats

SUMMARY = {
    "final_accuracy": 0.8,
    "bytes_total": 3000,
    "bytes_up_total": 1000,
    "bytes_down_total": 2000,
    "global_sparsity": 0.5,
    "macs": 123,
}


def test_mean_and_population_std() -> None:
    assert mean_std([1.0, 3.0]) == {"mean": 2.0, "std": 1.0}
    assert mean_std([]) is None


def test_run_figures_come_from_the_summary_and_the_rows() -> None:
    rows = [
        {"round": 1, "accuracy": 0.6, "seconds": 2.0, "bytes_up_total": 10, "bytes_down_total": 20},
        {
            "round": 2,
            "accuracy": 0.8,
            "seconds": 3.0,
            "bytes_up_total": 30,
            "bytes_down_total": 40,
            "epsilon": 1.5,
        },
    ]

    figures = run_figures(summary=SUMMARY, rows=rows, target=0.7)

    assert figures["final_accuracy"] == 0.8 and figures["bytes_total"] == 3000
    assert figures["sparsity"] == 0.5 and figures["macs"] == 123
    assert figures["epsilon"] == 1.5
    assert figures["target"] == {"round": 2, "bytes": 70, "seconds": 5.0}
    assert run_figures(summary=SUMMARY, rows=rows, target=None)["target"] is None


def test_variant_stats_average_what_each_run_has() -> None:
    runs = [
        {
            "final_accuracy": 0.6,
            "bytes_total": 10,
            "sparsity": 0.5,
            "macs": 7,
            "epsilon": None,
            "target": {"round": 2, "bytes": 100, "seconds": 1.0},
        },
        {
            "final_accuracy": 0.8,
            "bytes_total": 30,
            "sparsity": 0.5,
            "macs": 7,
            "epsilon": None,
            "target": None,
        },
    ]

    stats = variant_stats(runs)

    assert stats["final_accuracy"] == pytest.approx({"mean": 0.7, "std": 0.1})
    assert stats["bytes_total"] == {"mean": 20.0, "std": 10.0}
    assert stats["epsilon"] is None
    assert stats["reached_target"] == 1
    assert stats["bytes_to_target"] == {"mean": 100.0, "std": 0.0}
    assert stats["seconds_to_target"] == {"mean": 1.0, "std": 0.0}
