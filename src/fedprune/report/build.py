"""``fedprune report``: draw every plot, write the PNGs and one self-contained HTML page."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from fedprune.report.figure import png_bytes
from fedprune.report.html import Image, render_html
from fedprune.report.load import RunData
from fedprune.report.plots import PLOTS
from fedprune.report.table import Table, run_table

__all__ = ["write_report"]


def write_report(
    *,
    runs: Sequence[RunData],
    out: Path,
    title: str = "fedprune report",
    tables: Sequence[Table] = (),
) -> list[Path]:
    """Write ``out`` (HTML) and ``<out stem>-<plot>.png`` beside it; return every path written.

    ``tables`` go above the per-run table (``fedprune compare`` adds its mean ± std table).
    A plot whose data no run records (ε before DP, heatmaps without snapshots) is left out and
    named in a note.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    figures, written, missing = [], [], []
    for plot in PLOTS:
        fig = plot.draw(runs)
        if fig is None:
            missing.append(plot.title)
            continue
        png = png_bytes(fig)
        path = out.with_name(f"{out.stem}-{plot.name}.png")
        path.write_bytes(png)
        written.append(path)
        figures.append(Image(title=plot.title, png=png))
    notes = [f"Not drawn (no data in these runs): {', '.join(missing)}."] if missing else []
    notes.append("Runs: " + ", ".join(f"{r.label} = {r.path}" for r in runs))
    page = render_html(title=title, tables=[*tables, run_table(runs)], figures=figures, notes=notes)
    out.write_text(page, encoding="utf-8")
    return [out, *written]
