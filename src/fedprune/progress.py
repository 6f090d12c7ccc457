"""The live progress bar of ``fedprune run`` and ``compare``: rounds, ETA, accuracy, bytes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from fedprune.units import fmt_bytes

__all__ = ["round_progress", "round_status"]


def round_progress(*, console: Console) -> Progress:
    """A transient bar: ``<description> done/total``, the status field, elapsed time, ETA."""
    return Progress(
        TextColumn("[bold]{task.description} {task.completed}/{task.total}"),
        BarColumn(),
        TextColumn("{task.fields[status]}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )


def round_status(row: Mapping[str, Any]) -> str:
    """One round's live figures: test accuracy, sparsity, bytes sent so far (up + down)."""
    up, down = row["bytes_up_total"], row["bytes_down_total"]
    return (
        f"acc {row['accuracy']:.4f}  sparsity {row['sparsity']:.2f}  "
        f"sent {fmt_bytes(up + down)} (up {fmt_bytes(up)}, down {fmt_bytes(down)})"
    )
