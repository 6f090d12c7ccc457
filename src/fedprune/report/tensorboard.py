"""TensorBoard scalars of finished runs (optional: needs ``pip install tensorboard``)."""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Sequence
from pathlib import Path

from fedprune.report.load import ReportError, RunData

__all__ = ["write_tensorboard"]

_MISSING = (
    "--tensorboard needs the tensorboard package: pip install tensorboard "
    "(or pip install 'fedprune[tensorboard]')"
)


def _safe(label: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", label)


def write_tensorboard(*, runs: Sequence[RunData], log_dir: Path) -> list[Path]:
    """One TensorBoard run per run (``log_dir/<label>``), step = round: accuracy, loss, global
    and per-layer sparsity, bytes per round and cumulative, ε; plus accuracy at step = bytes."""
    if importlib.util.find_spec("tensorboard") is None:
        raise ReportError(_MISSING)
    from torch.utils.tensorboard import SummaryWriter

    written = []
    for run in runs:
        path = log_dir / _safe(run.label)
        writer = SummaryWriter(log_dir=str(path))
        try:
            for row, sent in zip(run.rounds, run.cumulative_bytes(), strict=True):
                step = int(row["round"])
                scalars = {
                    "accuracy": row["accuracy"],
                    "loss": row.get("loss"),
                    "sparsity/global": row.get("sparsity"),
                    "bytes/up": row.get("bytes_up"),
                    "bytes/down": row.get("bytes_down"),
                    "bytes/cumulative": sent,
                    "privacy/epsilon": row.get("epsilon"),
                }
                for name, value in (row.get("layer_sparsity") or {}).items():
                    scalars[f"sparsity/{name}"] = value
                for tag, value in scalars.items():
                    if value is not None:
                        writer.add_scalar(tag, float(value), step)
                writer.add_scalar("accuracy_vs_bytes", float(row["accuracy"]), sent)
        finally:
            writer.close()
        written.append(path)
    return written
