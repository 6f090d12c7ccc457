"""A deployed Flower federation on 127.0.0.1: one SuperLink with TLS and SuperNode
authentication, two registered SuperNodes (one client partition each), ``flwr run`` of the
fedprune app; and SuperNodes without valid credentials are refused. ``LocalFederation`` starts
every process in its own process group and ends each group at the end, pass or fail."""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("flwr")

from fedprune.config import build_config
from fedprune.experiment import Experiment
from fedprune.flower.deploy import LocalFederation

pytestmark = pytest.mark.slow

APP = Path(__file__).parents[2] / "examples" / "fedprune-flower"
ROUNDS = 2
RUN_LIMIT_S = 150  # measured: ~50 s for the hello and two rounds on two shared cores


@pytest.fixture(scope="module")
def federation() -> Iterator[LocalFederation]:
    work = Path(tempfile.mkdtemp(prefix="fpflwr"))
    try:
        with LocalFederation(work=work, host="127.0.0.1") as fed:
            yield fed
    finally:
        shutil.rmtree(work, ignore_errors=True)


def test_pruned_federation_runs_on_tls_superlink_and_two_authenticated_supernodes(
    federation: LocalFederation,
) -> None:
    for partition in (0, 1):
        federation.add_supernode(partition)
    out = federation.work / "run"

    started = federation.flwr(
        "run", str(APP), "--run-config", f'out="{out}" federation.rounds={ROUNDS}'
    )

    assert started.returncode == 0, started.stdout + started.stderr
    deadline = time.monotonic() + RUN_LIMIT_S
    while not (out / "summary.json").exists():
        assert time.monotonic() < deadline, federation.log("superlink")[-4000:]
        time.sleep(1)
    summary = json.loads((out / "summary.json").read_text())
    rounds = [json.loads(line) for line in (out / "rounds.jsonl").read_text().splitlines()]
    assert summary["rounds"] == ROUNDS
    assert summary["failed_clients"] == 0
    assert all(r["clients"] == [0, 1] for r in rounds)
    assert summary["global_sparsity"] > 0.5  # pruned on the clients, on the way to 0.8
    for row in rounds:  # Flower carried the codec bytes plus a small envelope per message
        assert row["bytes_up"] < row["wire_bytes_up"] <= row["bytes_up"] + 2 * 2048
    # the same experiment run in-process gives the same model and the same bytes
    config = build_config(path=out / "config.yaml", overrides=['engine.name="local"'])
    local = Experiment(config=config).run()
    assert local.summary["final_accuracy"] == summary["final_accuracy"]
    assert local.summary["bytes_up_total"] == summary["bytes_up_total"]


@pytest.mark.parametrize("credentials", ["unregistered", "none"])
def test_supernode_without_valid_credentials_is_refused(
    federation: LocalFederation, credentials: str
) -> None:
    node = federation.add_supernode(0, credentials=credentials)

    code = node.wait(timeout=60)

    log = federation.log(f"node0-{credentials}")
    assert code != 0, log
    assert "could not establish a connection to the SuperLink" in log, log
