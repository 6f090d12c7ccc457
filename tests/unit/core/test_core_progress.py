"""The progress line of a run: live accuracy and bytes, and an ETA column."""

from __future__ import annotations

from rich.console import Console
from rich.progress import TimeRemainingColumn

from fedprune.progress import round_progress, round_status
from fedprune.units import fmt_bytes


def test_the_status_shows_accuracy_sparsity_and_bytes_sent_so_far() -> None:
    row = {
        "accuracy": 0.91234,
        "sparsity": 0.5,
        "bytes_up_total": 1_500_000,
        "bytes_down_total": 2_500_000,
    }

    status = round_status(row)

    assert "acc 0.9123" in status and "sparsity 0.50" in status
    assert "sent 4.00 MB (up 1.50 MB, down 2.50 MB)" in status


def test_the_bar_has_an_eta_column() -> None:
    progress = round_progress(console=Console(quiet=True))

    assert any(isinstance(c, TimeRemainingColumn) for c in progress.columns)


def test_bytes_are_shown_in_decimal_units() -> None:
    assert [fmt_bytes(n) for n in (None, 999, 1000, 2_345_678, 3e9)] == [
        "—",
        "999 B",
        "1.00 kB",
        "2.35 MB",
        "3.00 GB",
    ]
