"""Running a comparison: every variant with every seed into ``DIR/<name>/seed-<s>/``, then
``DIR/compare.json`` and ``DIR/report.html``."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fedprune.compare.plan import CompareError, ComparePlan
from fedprune.compare.stats import run_figures, variant_stats
from fedprune.compare.table import compare_table
from fedprune.report import load_run, write_report
from fedprune.runlog import run_log

__all__ = ["CompareResult", "CompareRun", "run_compare", "run_dir", "write_compare"]

RoundHook = Callable[[str, int, dict[str, Any]], None]


@dataclass(frozen=True)
class CompareRun:
    """One finished run of the comparison and its figures (``stats.run_figures``)."""

    variant: str
    seed: int
    path: Path
    figures: dict[str, Any]


@dataclass(frozen=True)
class CompareResult:
    """Every run, in plan order (variants, then seeds)."""

    plan: ComparePlan
    runs: list[CompareRun]

    def variant_runs(self, name: str) -> list[CompareRun]:
        """The runs of variant ``name``, by seed."""
        return [r for r in self.runs if r.variant == name]

    def to_json(self, *, out: Path) -> dict[str, Any]:
        """The content of ``compare.json``; run directories relative to ``out``."""
        plan = self.plan
        return {
            "seeds": plan.seeds,
            "overrides": plan.overrides,
            "target_accuracy": plan.target,
            "std": "population (ddof=0) over seeds",
            "variants": [
                {
                    "name": v.name,
                    "config": str(v.config),
                    "runs": [
                        {"seed": r.seed, "dir": r.path.relative_to(out).as_posix(), **r.figures}
                        for r in self.variant_runs(v.name)
                    ],
                    "stats": variant_stats([r.figures for r in self.variant_runs(v.name)]),
                }
                for v in plan.variants
            ],
        }


def run_dir(out: Path, variant: str, seed: int) -> Path:
    """Where one run of the comparison writes its run directory."""
    return out / variant / f"seed-{seed}"


def run_compare(
    *, plan: ComparePlan, out: Path, on_round: RoundHook | None = None
) -> CompareResult:
    """Run every variant with every seed (each a normal run directory with ``run.log``).

    ``CompareError`` when a run cannot be set up from its (valid) config, e.g. missing data.
    """
    from fedprune.experiment import Experiment

    runs = []
    for variant in plan.variants:
        for seed in plan.seeds:
            path = run_dir(out, variant.name, seed)

            def hook(row: dict[str, Any], name: str = variant.name, s: int = seed) -> None:
                if on_round is not None:
                    on_round(name, s, row)

            with run_log(out=path):
                try:
                    experiment = Experiment(config=variant.configs[seed])
                except (ValueError, FileNotFoundError) as exc:
                    raise CompareError(f"variant {variant.name}, seed {seed}: {exc}") from None
                result = experiment.run(out=path, on_round=hook)
            figures = run_figures(summary=result.summary, rows=result.rounds, target=plan.target)
            runs.append(CompareRun(variant=variant.name, seed=seed, path=path, figures=figures))
    return CompareResult(plan=plan, runs=runs)


def write_compare(*, result: CompareResult, out: Path) -> list[Path]:
    """Write ``compare.json`` and ``report.html`` (all runs, grouped by variant) into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    summary = out / "compare.json"
    summary.write_text(json.dumps(result.to_json(out=out), indent=2) + "\n", encoding="utf-8")
    loaded = [
        load_run(r.path, label=f"{r.variant}/seed-{r.seed}", group=r.variant) for r in result.runs
    ]
    pages = write_report(
        runs=loaded,
        out=out / "report.html",
        title=f"fedprune compare: {', '.join(v.name for v in result.plan.variants)}",
        tables=[compare_table(result)],
    )
    return [summary, *pages]
