"""Seconds a round and bytes on the wire: local vs Flower simulation vs Flower deployment.

Rerun: ``.venv/bin/python benchmarks/flower_engines.py [--rounds 4]``. Writes
``benchmarks/results/flower_engines.json`` and prints markdown tables.

The workload is the Flower app's own (``examples/fedprune-flower``: sklearn digits, MLP, 2
clients both sampled each round, client-side magnitude pruning to 80 %, fp32 codec, one torch
thread), run three ways with the same config and seed:

- local: ``engine.name = "local"``, in this process;
- flower-simulation: ``engine.name = "flower"``, Flower's Ray simulation, 1 CPU per client actor;
- flower-deployment: a SuperLink (TLS, SuperNode auth) and two registered SuperNodes on
  127.0.0.1 (``fedprune.flower.deploy.LocalFederation``), ``flwr run`` of the app.

Round 1 holds the start-up (Ray and its actors; the config hello and the first ClientApp
processes), so seconds are given for round 1 and as the median of the later rounds. Bytes are
the ledger's (``len()`` of the codec payloads) and Flower's serialised messages
(``wire_bytes_*``), summed over the run.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from common import markdown_table, write_result

from fedprune.experiment import Experiment
from fedprune.flower.deploy import LocalFederation
from fedprune.flower.server_app import config_from_run_config

ROW_KEYS = ("round", "seconds", "bytes_up", "bytes_down", "wire_bytes_up", "wire_bytes_down")
APP = Path(__file__).resolve().parents[1] / "examples" / "fedprune-flower"


def flat(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            out.update(flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def app_run_config(rounds: int) -> dict[str, Any]:
    text = (APP / "pyproject.toml").read_text(encoding="utf-8")
    run_config = flat(tomllib.loads(text)["tool"]["flwr"]["app"]["config"])
    run_config["federation.rounds"] = rounds
    return run_config


def figures(rounds: list[dict[str, Any]], wall: float) -> dict[str, Any]:
    seconds = [r["seconds"] for r in rounds]
    return {
        "round1_s": seconds[0],
        "later_round_median_s": statistics.median(seconds[1:]) if len(seconds) > 1 else None,
        "wall_s": wall,
        "final_accuracy": rounds[-1]["accuracy"],
        "sparsity": rounds[-1]["sparsity"],
        "ledger_bytes_up": sum(r["bytes_up"] for r in rounds),
        "ledger_bytes_down": sum(r["bytes_down"] for r in rounds),
        "wire_bytes_up": sum(r.get("wire_bytes_up", 0) for r in rounds) or None,
        "wire_bytes_down": sum(r.get("wire_bytes_down", 0) for r in rounds) or None,
        "per_round": [{k: r.get(k) for k in ROW_KEYS} for r in rounds],
    }


def in_process(run_config: dict[str, Any], engine: str) -> dict[str, Any]:
    config = config_from_run_config(run_config)
    config = config.model_copy(update={"engine": config.engine.model_copy(update={"name": engine})})
    t0 = time.perf_counter()
    result = Experiment(config=config).run()
    return figures(result.rounds, time.perf_counter() - t0)


def deployed(run_config: dict[str, Any], *, limit_s: float = 600) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="fpbench") as tmp:
        work = Path(tmp)
        with LocalFederation(work=work) as fed:
            for partition in range(int(run_config["data.num_clients"])):
                fed.add_supernode(partition)
            out = work / "run"
            t0 = time.perf_counter()
            started = fed.flwr(
                "run",
                str(APP),
                "--run-config",
                f'out="{out}" federation.rounds={run_config["federation.rounds"]}',
            )
            if started.returncode != 0:
                raise RuntimeError(started.stdout + started.stderr)
            while not (out / "summary.json").exists():
                if time.perf_counter() - t0 > limit_s:
                    raise RuntimeError(fed.log("superlink")[-3000:])
                time.sleep(0.5)
            wall = time.perf_counter() - t0
            lines = (out / "rounds.jsonl").read_text().splitlines()
            return figures([json.loads(line) for line in lines], wall)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()
    run_config = app_run_config(args.rounds)
    results = {
        "local": in_process(run_config, "local"),
        "flower-simulation": in_process(run_config, "flower"),
        "flower-deployment": deployed(run_config),
    }
    write_result(
        "flower_engines",
        figures=results,
        settings={"run_config": run_config, "client_cpus": 1, "host": "127.0.0.1"},
    )
    print(
        markdown_table(
            ["engine", "round 1 s", "later rounds s (median)", "wall s", "final accuracy",
             "ledger B up", "wire B up", "ledger B down", "wire B down"],
            [
                [name, f"{r['round1_s']:.2f}", f"{r['later_round_median_s']:.2f}",
                 f"{r['wall_s']:.1f}", f"{r['final_accuracy']:.4f}", r["ledger_bytes_up"],
                 r["wire_bytes_up"], r["ledger_bytes_down"], r["wire_bytes_down"]]
                for name, r in results.items()
            ],
        )
    )  # fmt: skip


if __name__ == "__main__":
    main()
