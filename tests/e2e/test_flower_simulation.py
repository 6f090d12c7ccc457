"""Flower's Ray simulation reproduces the local engine on a pruned run: as the ``flower``
engine of ``fedprune run``, and as the Flower app run by ``flwr run`` on a simulation
SuperLink."""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("flwr")
pytest.importorskip("ray")

from fedprune.config import build_config
from fedprune.experiment import Experiment, RunResult
from fedprune.flower.deploy import LocalFederation

pytestmark = pytest.mark.slow

CONFIG = [
    "data.dataset=digits",
    "model.name=mlp",
    "data.num_clients=3",
    "federation.clients_per_round=2",
    "federation.rounds=3",
    "train.epochs=1",
    "pruning.mode=client",
    "pruning.target=0.8",
    "pruning.end_round=3",
    # client memory across rounds (error-feedback residuals, the masks a mask-known downlink
    # leaves out) must live on the Flower nodes and give what the local worker's memory gives
    "codec.uplink=int8+zstd",
    "codec.delta=true",
    "codec.error_feedback=true",
    "codec.downlink=mask-known+fp16+zstd",
    "engine.threads=1",
]


@pytest.fixture(scope="module")
def runs() -> Iterator[tuple[RunResult, RunResult]]:
    # Ray's socket paths must stay short: a temporary directory of its own under /tmp
    ray_tmp = tempfile.mkdtemp(prefix="ray")
    patch = pytest.MonkeyPatch()
    patch.setenv("RAY_TMPDIR", ray_tmp)
    patch.setenv("FLWR_TELEMETRY_ENABLED", "0")
    patch.setenv("FLWR_HOME", ray_tmp)
    try:
        local = Experiment(config=build_config(overrides=CONFIG)).run()
        flower = Experiment(config=build_config(overrides=[*CONFIG, "engine.name=flower"])).run()
        yield local, flower
    finally:
        patch.undo()
        shutil.rmtree(ray_tmp, ignore_errors=True)


def test_flower_simulation_matches_local_accuracy_and_uplink_bytes(
    runs: tuple[RunResult, RunResult],
) -> None:
    local, flower = runs

    # measured: identical to the last bit (same client code, same seeds, one thread each)
    assert [r["accuracy"] for r in flower.rounds] == [r["accuracy"] for r in local.rounds]
    assert flower.summary["bytes_up_total"] == local.summary["bytes_up_total"]
    assert flower.summary["bytes_down_total"] == local.summary["bytes_down_total"]
    assert flower.summary["global_sparsity"] == pytest.approx(0.8, abs=1e-3)
    assert flower.summary["failed_clients"] == 0


def test_flower_wire_carries_the_codec_bytes_plus_a_small_envelope(
    runs: tuple[RunResult, RunResult],
) -> None:
    _, flower = runs

    for row in flower.rounds:
        messages = len(row["client_bytes_up"])
        # the codec payload is carried as raw bytes: Flower adds an envelope per message only
        assert row["bytes_up"] < row["wire_bytes_up"] <= row["bytes_up"] + 2048 * messages
        assert row["bytes_down"] < row["wire_bytes_down"] <= row["bytes_down"] + 2048 * messages
    assert "wire_bytes_up" not in runs[0].rounds[0]


def test_flower_app_runs_on_the_simulation_runtime_with_flwr_run() -> None:
    app = Path(__file__).parents[2] / "examples" / "fedprune-flower"
    work = Path(tempfile.mkdtemp(prefix="fpsim"))  # short: Ray's socket paths live under it
    try:
        with LocalFederation(work=work, simulation=True) as fed:
            fed.env["RAY_TMPDIR"] = str(work)
            out = work / "run"

            started = fed.flwr(
                "run", str(app),
                "--run-config", f'out="{out}" federation.rounds=2',
                "--federation-config", "num-supernodes=2 client-resources-num-cpus=1",
            )  # fmt: skip

            assert started.returncode == 0, started.stdout + started.stderr
            deadline = time.monotonic() + 120  # measured: ~30 s
            while not (out / "summary.json").exists():
                assert time.monotonic() < deadline, fed.log("superlink")[-4000:]
                time.sleep(1)
            summary = json.loads((out / "summary.json").read_text())
        config = build_config(path=out / "config.yaml", overrides=['engine.name="local"'])
        local = Experiment(config=config).run()
        assert summary["rounds"] == 2
        assert summary["failed_clients"] == 0
        assert summary["final_accuracy"] == local.summary["final_accuracy"]
        assert summary["bytes_up_total"] == local.summary["bytes_up_total"]
    finally:
        shutil.rmtree(work, ignore_errors=True)
