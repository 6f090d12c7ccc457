"""Comparisons: several variants (config files), each over the same seeds and data."""

from fedprune.compare.plan import CompareError, ComparePlan, Variant, parse_seeds, plan_compare
from fedprune.compare.runner import CompareResult, CompareRun, run_compare, run_dir, write_compare
from fedprune.compare.stats import mean_std, run_figures, variant_stats
from fedprune.compare.table import compare_table
from fedprune.compare.target import TargetReach, reach_target

__all__ = [
    "CompareError",
    "ComparePlan",
    "CompareResult",
    "CompareRun",
    "TargetReach",
    "Variant",
    "compare_table",
    "mean_std",
    "parse_seeds",
    "plan_compare",
    "reach_target",
    "run_compare",
    "run_dir",
    "run_figures",
    "variant_stats",
    "write_compare",
]
