"""The ``fedprune`` command line."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from fedprune.config import ConfigError, build_config

if TYPE_CHECKING:
    from fedprune.search import FoldResult, GridPoint, SweepResult

app = typer.Typer(
    help="Federated learning with pruning as a first-class citizen.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True)


def _fail(message: str) -> None:
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code=2)


def _summary_table(summary: dict[str, Any], out: Path) -> Table:
    table = Table(title=f"fedprune run -> {out}", show_header=False)
    p = summary["parameters"]
    rows = [
        ("final accuracy", f"{summary['final_accuracy']:.4f}"),
        ("global sparsity", f"{summary['global_sparsity']:.4f}"),
        ("parameters (remaining / total)", f"{p['remaining']:,} / {p['total']:,}"),
        ("model compression (dense / encoded)", f"{summary['compression_ratio']:.2f}x"),
        ("bytes up / down", f"{summary['bytes_up_total']:,} / {summary['bytes_down_total']:,}"),
        (
            "rejected updates / failed clients",
            f"{summary['rejected_updates']} / {summary['failed_clients']}",
        ),
        ("wall time", f"{summary['wall_seconds']:.1f} s"),
    ]
    for k, v in rows:
        table.add_row(k, v)
    return table


@app.command()
def run(
    config: Path | None = typer.Option(
        None, "--config", "-c", help="TOML or YAML config file; defaults = the embedded run."
    ),
    set_: list[str] = typer.Option(
        [], "--set", "-s", help="Override a key, e.g. --set pruning.target=0.9 (repeatable)."
    ),
    out: Path | None = typer.Option(
        None, "--out", "-o", help="Run directory (default: runs/<timestamp>)."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or table."),
) -> None:
    """Run one federated experiment and write DIR/config.yaml, rounds.jsonl, summary.json."""
    try:
        cfg = build_config(path=config, overrides=set_)
    except ConfigError as exc:
        _fail(str(exc))
        return
    from fedprune.experiment import Experiment  # heavy imports only once the config is valid

    out = out or Path("runs") / datetime.now().strftime("%Y%m%d-%H%M%S")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    try:
        experiment = Experiment(config=cfg)
    except (ValueError, FileNotFoundError) as exc:
        _fail(str(exc))
        return
    console = Console(quiet=quiet)
    with Progress(
        TextColumn("[bold]round {task.completed}/{task.total}"),
        BarColumn(),
        TextColumn("{task.fields[status]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("rounds", total=cfg.federation.rounds, status="")

        def on_round(row: dict[str, Any]) -> None:
            status = (
                f"acc {row['accuracy']:.4f}  sparsity {row['sparsity']:.2f}  "
                f"up {row['bytes_up_total'] / 1e6:.1f} MB"
            )
            progress.update(task, advance=1, status=status)

        result = experiment.run(out=out, on_round=on_round)
    console.print(_summary_table(result.summary, out))


def _sweep_table(result: SweepResult, out: Path) -> Table:
    plan = result.plan
    table = Table(
        title=f"fedprune sweep -> {out}  ({plan.folds}-fold CV, tolerance {plan.tolerance:g})"
    )
    for column in ("grid point", "sparsity", "CV accuracy", "within tolerance", "chosen"):
        table.add_column(column, justify="left" if column == "grid point" else "right")
    for p in result.points:
        mean, std = p.accuracy
        table.add_row(
            p.point.label,
            f"{p.sparsity:.4f}",
            f"{mean:.4f} ± {std:.4f}",
            "yes" if p.within_tolerance else "no",
            "★" if p.chosen else "",
        )
    return table


@app.command()
def sweep(
    config: Path | None = typer.Option(
        None, "--config", "-c", help="TOML or YAML base config; defaults = the embedded run."
    ),
    set_: list[str] = typer.Option(
        [], "--set", "-s", help="Override a base key, e.g. --set federation.rounds=10."
    ),
    grid: list[str] = typer.Option(
        [], "--grid", "-g", help="Values to try, e.g. --grid pruning.target=0.5,0.8 (repeatable)."
    ),
    folds: int = typer.Option(5, "--folds", "-k", help="Folds of each client's data."),
    tolerance: float = typer.Option(
        0.01, "--tolerance", "-t", help="Accuracy points a setting may lose against dense."
    ),
    out: Path | None = typer.Option(
        None, "--out", "-o", help="Output directory (default: runs/sweep-<timestamp>)."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or table."),
) -> None:
    """Cross-validate a grid of settings plus dense; pick the sparsest within tolerance.

    Writes DIR/sweep.json: every point's fold scores, the choice, tolerance, folds and seed.
    """
    from fedprune.search import SweepSetupError, plan_sweep, run_sweep, write_sweep

    try:
        plan = plan_sweep(path=config, overrides=set_, grid=grid, folds=folds, tolerance=tolerance)
    except ConfigError as exc:
        _fail(str(exc))
        return
    out = out or Path("runs") / datetime.now().strftime("sweep-%Y%m%d-%H%M%S")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    console = Console(quiet=quiet)
    with Progress(
        TextColumn("[bold]run {task.completed}/{task.total}"),
        BarColumn(),
        TextColumn("{task.fields[status]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("runs", total=plan.runs, status="")

        def on_fold(point: GridPoint, fold: FoldResult) -> None:
            status = f"{point.label} fold {fold.fold}: acc {fold.accuracy:.4f}"
            progress.update(task, advance=1, status=status)

        try:
            result = run_sweep(plan=plan, on_fold=on_fold)
        except SweepSetupError as exc:
            _fail(str(exc))
            return
    write_sweep(result=result, out=out)
    console.print(_sweep_table(result, out))


@app.callback()
def _main() -> None:
    """Federated learning with pruning as a first-class citizen."""


def main() -> None:
    """Console-script entry point."""
    app(prog_name="fedprune")


if __name__ == "__main__":
    main()
