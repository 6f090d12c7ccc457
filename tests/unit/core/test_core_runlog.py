"""``run.log``: fedprune's INFO records go to the run directory only while the run lasts."""

from __future__ import annotations

import logging
from pathlib import Path

from fedprune.runlog import LOG_NAME, run_log


def test_info_records_of_fedprune_loggers_are_written_and_the_handler_is_removed(
    tmp_path: Path,
) -> None:
    logger = logging.getLogger("fedprune")
    level, handlers = logger.level, list(logger.handlers)
    child = logging.getLogger("fedprune.experiment")

    with run_log(out=tmp_path / "run") as path:
        child.info("round %d: accuracy %.2f", 1, 0.5)
        child.debug("too detailed")
        logging.getLogger("elsewhere").warning("not ours")
    child.warning("after the run")

    assert path == tmp_path / "run" / LOG_NAME
    text = path.read_text()
    assert "INFO fedprune.experiment: round 1: accuracy 0.50" in text
    assert "too detailed" not in text
    assert "not ours" not in text
    assert "after the run" not in text
    assert logger.level == level and logger.handlers == handlers


def test_the_handler_is_removed_when_the_run_fails(tmp_path: Path) -> None:
    logger = logging.getLogger("fedprune")
    handlers = list(logger.handlers)

    try:
        with run_log(out=tmp_path):
            logging.getLogger("fedprune.x").warning("before the crash")
            raise RuntimeError("crash")
    except RuntimeError:
        pass

    assert logger.handlers == handlers
    assert "before the crash" in (tmp_path / LOG_NAME).read_text()
