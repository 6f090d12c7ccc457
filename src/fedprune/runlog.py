"""``run.log``: fedprune's own log records at INFO, written into a run directory during the run."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["LOG_NAME", "console_logging", "run_log"]

LOG_NAME = "run.log"
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def console_logging(*, level: int = logging.WARNING) -> None:
    """Warnings and worse on stderr; the console stays that terse while ``run_log`` lowers
    fedprune's own level to INFO for the file."""
    logging.basicConfig(level=level, format="%(levelname)s %(message)s")
    for handler in logging.getLogger().handlers:
        if type(handler) is logging.StreamHandler and handler.level < level:  # not files
            handler.setLevel(level)


@contextmanager
def run_log(*, out: Path, level: int = logging.INFO) -> Iterator[Path]:
    """Append the ``fedprune`` logger's records at ``level`` and above to ``out/run.log`` while
    the block runs; the handler and the logger's old level are restored afterwards."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / LOG_NAME
    logger = logging.getLogger("fedprune")
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter(_FORMAT))
    previous = logger.level
    logger.addHandler(handler)
    if logger.getEffectiveLevel() > level:
        logger.setLevel(level)
    try:
        yield path
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)
        handler.close()
