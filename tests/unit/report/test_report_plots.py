"""Every plot draws a PNG from synthetic run directories, or declines when it has no data."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from fedprune.report import load_run
from fedprune.report.figure import png_bytes, styles
from fedprune.report.plots import PLOTS
from fedprune.report.plots.clients import per_client
from fedprune.report.plots.heatmaps import pick_snapshots

from .conftest import rewrite_rows

PNG = b"\x89PNG\r\n\x1a\n"


def decoded(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


@pytest.mark.parametrize("plot", PLOTS, ids=[p.name for p in PLOTS])
def test_each_plot_draws_a_non_blank_png_for_two_groups(plot, run_dir: Callable[..., Path]) -> None:
    runs = [
        load_run(run_dir("a0", epsilon=0.5), label="a/0", group="a"),
        load_run(run_dir("a1", epsilon=0.5), label="a/1", group="a"),
        load_run(run_dir("b0", rounds=6, epsilon=0.8), label="b/0", group="b"),
    ]

    fig = plot.draw(runs)

    assert fig is not None
    png = png_bytes(fig)
    assert png.startswith(PNG)
    pixels = decoded(png)
    assert pixels.shape[0] > 100 and pixels.shape[1] > 100
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 20  # not a blank canvas


def test_plots_without_their_data_decline(run_dir: Callable[..., Path]) -> None:
    path = run_dir("plain", rounds=2, report_every=5)  # one snapshot (the last), no epsilon
    newer = ("layer_sparsity", "client_sparsity", "client_bytes_up", "client_bytes_down")
    rewrite_rows(path, lambda rows: [{k: v for k, v in r.items() if k not in newer} for r in rows])
    run = load_run(path)
    run.summary.pop("layer_sparsity")

    drawn = {p.name for p in PLOTS if p.draw([run]) is not None}

    assert drawn == {"accuracy-round", "accuracy-bytes", "masks-final"}


def test_groups_share_a_colour_and_one_legend_entry(run_dir: Callable[..., Path]) -> None:
    runs = [
        load_run(run_dir("x"), label="a/0", group="a"),
        load_run(run_dir("y"), label="a/1", group="a"),
        load_run(run_dir("z"), label="b/0", group="b"),
    ]

    drawn = styles(runs)

    assert drawn[0].color == drawn[1].color != drawn[2].color
    assert [s.label for s in drawn] == ["a (2 runs)", None, "b/0"]


def test_per_client_sums_or_averages_over_rounds(run_dir: Callable[..., Path]) -> None:
    run = load_run(run_dir("c", rounds=3))

    assert per_client(run, "client_bytes_up") == {0: 100 * (1 + 2 + 3), 1: 120 * (1 + 2 + 3)}
    assert per_client(run, "client_sparsity", reduce="mean") == pytest.approx({0: 0.2, 1: 0.4})


def test_snapshot_picks_spread_evenly_and_keep_both_ends() -> None:
    assert pick_snapshots([3, 1, 2]) == [1, 2, 3]
    assert pick_snapshots(list(range(1, 11)), limit=4) == [1, 4, 7, 10]
