"""Spilled client memory: residuals as files, the same federation as with them in RAM."""

from __future__ import annotations

from pathlib import Path

import torch

from fedprune.checkpoint import split_state
from fedprune.client_memory import SpilledFeedback
from fedprune.codec import ErrorFeedback, parse_pipeline
from fedprune.config import build_config
from fedprune.experiment import Experiment

PIPE = parse_pipeline("topk(0.25)+int8")


def test_a_residual_written_is_read_back_bit_for_bit(tmp_path: Path) -> None:
    store = SpilledFeedback(root=tmp_path, pipeline=PIPE)
    ef = ErrorFeedback(pipeline=PIPE)
    update = {"w": torch.randn(4, 5, generator=torch.Generator().manual_seed(0))}
    ef.step(update=update, rng=0)

    store[7] = ef
    back = store[7]

    assert list(store) == [7] and len(store) == 1
    assert torch.equal(back.residual["w"], ef.residual["w"])
    assert (tmp_path / "7.safetensors").exists()
    del store[7]
    assert 7 not in store and not list(tmp_path.iterdir())


def test_a_new_store_forgets_what_an_earlier_run_left(tmp_path: Path) -> None:
    SpilledFeedback(root=tmp_path, pipeline=PIPE)[3] = ErrorFeedback(pipeline=PIPE)

    assert list(SpilledFeedback(root=tmp_path, pipeline=PIPE)) == []


def test_a_spilled_federation_equals_one_that_keeps_memory_in_ram(tmp_path: Path) -> None:
    base = [
        "data.dataset=digits",
        "data.num_clients=5",
        "federation.clients_per_round=3",
        "federation.rounds=3",
        "model.name=mlp",
        "train.epochs=1",
        "codec.uplink=topk(0.2)+int8",
        "codec.delta=true",
        "codec.error_feedback=true",
        "pruning.mode=server",
        "engine.workers=2",
    ]
    ram = Experiment(config=build_config(overrides=base))
    disk = Experiment(config=build_config(overrides=[*base, f"engine.spill_dir={tmp_path}"]))

    a, b = ram.run(), disk.run()

    assert [r["accuracy"] for r in a.rounds] == [r["accuracy"] for r in b.rounds]
    assert a.model is not None and b.model is not None
    assert all(torch.equal(a.model.params[n], t) for n, t in b.model.params.items())
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        f"{c}.safetensors" for c in sorted(int(c) for c in ram.worker.state_dict()["feedback"])
    ]
    ta, tree_a = split_state(ram.worker.state_dict())
    tb, tree_b = split_state(disk.worker.state_dict())
    assert tree_a == tree_b and all(torch.equal(ta[k], tb[k]) for k in ta)
