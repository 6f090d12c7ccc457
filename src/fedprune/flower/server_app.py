"""fedprune's server as a Flower ``ServerApp``, for a deployed federation (``flwr run``).

The app's run config (``[tool.flwr.app.config]`` of the Flower app, or ``flwr run
--run-config``) says what to run: ``config`` is an experiment file ("" for the defaults),
``out`` the run directory to write ("" for none), and every other key an override of the
experiment config (``"federation.rounds" = 3``, as ``fedprune run --set`` takes them). The
server loop is ``Experiment``'s own; its clients are the SuperNodes, reached through the
SuperLink's ``Grid`` by the ``flower`` engine (``fedprune.engine.flower``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flwr.app import Context
from flwr.serverapp import Grid, ServerApp

from fedprune.config import ExperimentConfig, build_config
from fedprune.engine.flower import FlowerEngine, check_supported

log = logging.getLogger(__name__)

app = ServerApp()


def config_from_run_config(run_config: Mapping[str, Any]) -> ExperimentConfig:
    """The experiment a Flower run config describes (see the module docstring)."""
    path = str(run_config.get("config", "")) or None
    overrides = [
        f"{key}={json.dumps(value)}"
        for key, value in sorted(run_config.items())
        if key not in ("config", "out")
    ]
    config = build_config(path=path, overrides=[*overrides, 'engine.name="flower"'])
    check_supported(config)
    return config


@app.main()
def main(grid: Grid, context: Context) -> None:
    """Run the whole experiment, its client jobs on the federation's SuperNodes."""
    from fedprune.experiment import Experiment

    config = config_from_run_config(context.run_config)
    experiment = Experiment(config=config)
    experiment.engine = FlowerEngine(config=config, grid=grid)
    out = str(context.run_config.get("out", ""))
    result = experiment.run(out=Path(out) if out else None)
    summary = result.summary
    log.warning(
        "fedprune: %d rounds, final accuracy %.4f, sparsity %.4f, %d bytes up",
        summary["rounds"],
        summary["final_accuracy"],
        summary["global_sparsity"],
        summary["bytes_up_total"],
    )
