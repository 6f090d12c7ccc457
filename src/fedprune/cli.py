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
from fedprune.progress import round_progress, round_status
from fedprune.runlog import console_logging, run_log

if TYPE_CHECKING:
    from fedprune.report import Table as PlainTable
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
    resume: Path | None = typer.Option(
        None, "--resume", help="Continue the run in this directory from its newest checkpoint."
    ),
    key_env: str | None = typer.Option(
        None, "--encrypt-key-env", help="Seal checkpoints and model with the key in this env var."
    ),
    key_file: Path | None = typer.Option(
        None, "--encrypt-key-file", help="Seal checkpoints and model with the key in this file."
    ),
) -> None:
    """Run one federated experiment and write DIR/config.yaml, rounds.jsonl, summary.json,
    model.safetensors and checkpoints/ (see checkpoint.every)."""
    if resume is not None:
        if config is not None or set_ or (out is not None and out != resume):
            _fail("--resume takes the config and directory of the run; drop --config/--set/--out")
        config, out = resume / "config.yaml", resume
    key = _key(key_env, key_file)
    try:
        cfg = build_config(path=config, overrides=set_)
    except ConfigError as exc:
        _fail(str(exc))
        return
    from fedprune.checkpoint import CheckpointError, SealError
    from fedprune.experiment import Experiment  # heavy imports only once the config is valid

    out = out or Path("runs") / datetime.now().strftime("%Y%m%d-%H%M%S")
    console_logging()
    try:
        experiment = Experiment(config=cfg)
    except (ValueError, FileNotFoundError) as exc:
        _fail(str(exc))
        return
    console = Console(quiet=quiet)
    with round_progress(console=console) as progress, run_log(out=out):
        task = progress.add_task("round", total=cfg.federation.rounds, status="")

        def on_round(row: dict[str, Any]) -> None:
            progress.update(task, completed=row["round"], status=round_status(row))

        try:
            result = experiment.run(out=out, on_round=on_round, resume=bool(resume), key=key)
        except (CheckpointError, SealError) as exc:  # both one-line ValueErrors
            _fail(str(exc))
            return
    console.print(_summary_table(result.summary, out))


def _key(env: str | None, file: Path | None) -> bytes | None:
    """The sealing key named on the command line (32 bytes, hex or base64), or ``None``."""
    if env is None and file is None:
        return None
    if env is not None and file is not None:
        _fail("give one of --encrypt-key-env, --encrypt-key-file")
    from fedprune.checkpoint.sealed import SealError, key_from_env, key_from_file

    try:
        return key_from_env(env) if env is not None else key_from_file(Path(str(file)))
    except SealError as exc:
        _fail(str(exc))
        return None


@app.command()
def export(
    run_dir: Path = typer.Argument(..., help="A finished run directory (with model.safetensors)."),
    fmt: str = typer.Option(
        "safetensors", "--format", "-f", help="safetensors, onnx or keras (Keras models)."
    ),
    out: Path | None = typer.Option(
        None, "--out", "-o", help="Output file (default: RUN_DIR/export/model.<format>)."
    ),
    key_env: str | None = typer.Option(
        None, "--encrypt-key-env", help="Key (env var) the run was sealed with; seals the export."
    ),
    key_file: Path | None = typer.Option(
        None, "--encrypt-key-file", help="Key (file) the run was sealed with; seals the export."
    ),
) -> None:
    """Export a run's final model (structurally pruned models come out physically smaller)."""
    from fedprune.checkpoint import SealError
    from fedprune.export import ExportError, export_run

    key = _key(key_env, key_file)
    try:
        path = export_run(run_dir=run_dir, fmt=fmt, out=out, key=key)
    except FileNotFoundError as exc:
        _fail(f"{exc}; a run writes its model when it finishes")
        return
    except (ExportError, SealError, ValueError) as exc:
        _fail(str(exc))
        return
    typer.echo(f"{path} {path.stat().st_size} bytes")


@app.command()
def profile(
    run_dir: Path = typer.Argument(..., help="A finished run directory (with model.safetensors)."),
    batch: list[int] = typer.Option([1, 256], "--batch", "-b", help="Batch sizes to time."),
    repeats: int = typer.Option(20, help="Timed calls per batch size (median reported)."),
    threads: int = typer.Option(1, help="Intra-op threads while timing."),
    key_env: str | None = typer.Option(None, "--encrypt-key-env", help="Key of a sealed run."),
    key_file: Path | None = typer.Option(None, "--encrypt-key-file", help="Key of a sealed run."),
) -> None:
    """Count MACs and parameters of a run's final model and time its CPU inference."""
    import json

    from fedprune.checkpoint import SealError
    from fedprune.run_profile import profile_run

    key = _key(key_env, key_file)
    try:
        figures = profile_run(
            run_dir=run_dir, batch_sizes=batch, repeats=repeats, threads=threads, key=key
        )
    except FileNotFoundError as exc:
        _fail(f"{exc}; a run writes its model when it finishes")
        return
    except (SealError, ValueError) as exc:
        _fail(str(exc))
        return
    table = Table(title=f"{run_dir} ({figures['model']}, {threads} thread(s))")
    table.add_column("figure")
    table.add_column("value", justify="right")
    table.add_row("MACs / sample", f"{figures['macs_per_sample']:,}")
    table.add_row("parameters", f"{figures['parameters']:,}")
    table.add_row("non-zero parameters", f"{figures['parameters_nonzero']:,}")
    for b, t in figures["latency_seconds"].items():
        table.add_row(f"latency, batch {b}", f"{t * 1e3:.3f} ms")
    Console().print(table)
    (run_dir / "profile.json").write_text(json.dumps(figures, indent=2) + "\n")


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


@app.command()
def report(
    runs: list[Path] = typer.Argument(..., help="Run directories (several: curves overlaid)."),
    out: Path = typer.Option(Path("report.html"), "--out", "-o", help="HTML file to write."),
    tensorboard: Path | None = typer.Option(
        None, "--tensorboard", help="Also write TensorBoard scalars under this directory."
    ),
) -> None:
    """One self-contained HTML report (PNGs also written beside it) over run directories."""
    from fedprune.report import ReportError, load_runs, write_report, write_tensorboard

    try:
        loaded = load_runs(runs)
        written = write_report(runs=loaded, out=out)
        if tensorboard is not None:
            written += write_tensorboard(runs=loaded, log_dir=tensorboard)
    except ReportError as exc:
        _fail(str(exc))
        return
    typer.echo(f"wrote {written[0]} and {len(written) - 1} more file(s)")


def _rich_table(table: PlainTable, *, title: str) -> Table:
    out = Table(title=title, caption=table.caption)
    for i, column in enumerate(table.header):
        out.add_column(column, justify="left" if i == 0 else "right")
    for row in table.rows:
        out.add_row(*row)
    return out


@app.command()
def compare(
    config: list[Path] = typer.Option(
        ..., "--config", "-c", help="A variant's config file (repeat: one per variant)."
    ),
    name: list[str] = typer.Option(
        [], "--name", "-n", help="Variant names, one per --config (default: file stems)."
    ),
    set_: list[str] = typer.Option(
        [], "--set", "-s", help="Override a key in every variant (repeatable)."
    ),
    seeds: list[str] = typer.Option(
        ["0"], "--seeds", help="Seeds, comma-separated or repeated: --seeds 0,1,2."
    ),
    target_accuracy: float | None = typer.Option(
        None, "--target-accuracy", "-t", help="Report bytes and time to reach this accuracy."
    ),
    out: Path | None = typer.Option(
        None, "--out", "-o", help="Output directory (default: runs/compare-<timestamp>)."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or table."),
) -> None:
    """Run every variant with every seed on the same data and partitions; compare them.

    Writes DIR/<name>/seed-<s>/ (run directories), DIR/compare.json and DIR/report.html.
    """
    from fedprune.compare import (
        CompareError,
        compare_table,
        parse_seeds,
        plan_compare,
        run_compare,
        write_compare,
    )

    try:
        plan = plan_compare(
            configs=config,
            names=name,
            overrides=set_,
            seeds=parse_seeds(seeds),
            target=target_accuracy,
        )
    except CompareError as exc:
        _fail(str(exc))
        return
    out = out or Path("runs") / datetime.now().strftime("compare-%Y%m%d-%H%M%S")
    console_logging()
    console = Console(quiet=quiet)
    with round_progress(console=console) as progress:
        task = progress.add_task("round", total=plan.rounds, status="")

        def on_round(variant: str, seed: int, row: dict[str, Any]) -> None:
            status = f"{variant} seed {seed}: {round_status(row)}"
            progress.update(task, advance=1, status=status)

        try:
            result = run_compare(plan=plan, out=out, on_round=on_round)
        except CompareError as exc:
            _fail(str(exc))
            return
    write_compare(result=result, out=out)
    console.print(_rich_table(compare_table(result), title=f"fedprune compare -> {out}"))


@app.callback()
def _main() -> None:
    """Federated learning with pruning as a first-class citizen."""


def main() -> None:
    """Console-script entry point."""
    app(prog_name="fedprune")


if __name__ == "__main__":
    main()
