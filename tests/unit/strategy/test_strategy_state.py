"""Strategy state for checkpoints: wrappers delegate, FedOpt moments and structure come back."""

from __future__ import annotations

import json

import pytest
import torch

from fedprune.build import build_strategy
from fedprune.checkpoint import join_state, split_state
from fedprune.config import build_config
from fedprune.messages import GlobalModel, Instruction, Update
from fedprune.models import build_model
from fedprune.payload import sent_state
from fedprune.prune.mask import full_masks
from fedprune.strategy import FedAdam, FedAvg, ServerSidePruning
from fedprune.strategy.hybrid import HybridTarget
from fedprune.strategy.structured import StructuredPruning

INSTR = Instruction(epochs=1, batch_size=8, lr=0.1)


def through_disk(state: dict) -> dict:
    """What a checkpoint gives back: safetensors tensors plus a JSON tree."""
    tensors, tree = split_state(state)
    return join_state(json.loads(json.dumps(tree)), tensors)


def model(w: list[float]) -> GlobalModel:
    return GlobalModel(params={"w": torch.tensor(w)}, masks={"w": torch.ones(len(w), dtype=bool)})


def update(w: list[float]) -> Update:
    return Update(cid=0, num_examples=1, params={"w": torch.tensor(w)}, masks=model(w).masks)


def server_fedadam() -> ServerSidePruning:
    from fedprune.prune import PRUNERS, SCHEDULES

    schedule = SCHEDULES.get("oneshot")(final=0.0, start=99, end=99, frequency=1)
    return ServerSidePruning(
        inner=FedAdam(instruction=INSTR, server_lr=0.1),
        criterion="magnitude",
        pruner=PRUNERS.get("layer")(),
        schedule=schedule,
    )


def test_a_wrapper_delegates_to_its_inner_strategy_and_the_moments_matter() -> None:
    first = server_fedadam()
    m1 = first.aggregate(rnd=1, model=model([1.0, 2.0]), updates=[update([2.0, 0.0])])
    restored, fresh = server_fedadam(), server_fedadam()
    saved = first.state_dict()

    restored.load_state_dict(through_disk(saved))
    after = [
        s.aggregate(rnd=2, model=m1, updates=[update([3.0, -1.0])]).params["w"]
        for s in (first, restored, fresh)
    ]

    assert set(saved) == {"inner"} and saved["inner"]["steps"] == 1
    assert torch.equal(after[1], after[0])
    assert not torch.equal(after[2], after[0])  # without the moments the step differs


def test_stateless_strategies_hold_nothing_and_refuse_stray_state() -> None:
    fedavg = FedAvg(instruction=INSTR)

    assert fedavg.state_dict() == {}
    with pytest.raises(ValueError, match="expected"):
        fedavg.load_state_dict({"steps": 1})
    with pytest.raises(ValueError, match="expected"):
        server_fedadam().load_state_dict({})


def test_hybrid_target_keeps_its_share() -> None:
    from fedprune.prune import SCHEDULES

    schedule = SCHEDULES.get("oneshot")(final=0.8, start=1, end=1, frequency=1)
    a, b = HybridTarget(schedule=schedule), HybridTarget(schedule=schedule)
    a.kept = 0.5

    b.load_state_dict(a.state_dict())

    assert b.target(1) == a.target(1) == pytest.approx(0.6)
    with pytest.raises(ValueError, match="kept"):
        b.load_state_dict({"kept": 0.0})


def structured() -> StructuredPruning:
    cfg = build_config(
        overrides=[
            "data.dataset=digits",
            "model.name=cnn",
            "pruning.mode=server",
            "structured.mode=server",
            "structured.ratio=0.5",
            "structured.rounds=[1]",
            "federation.rounds=2",
        ]
    )
    torch.manual_seed(0)
    net = build_model(name="cnn", input_shape=(1, 8, 8), num_classes=10)
    strategy = build_strategy(cfg, model=net, example_input=torch.zeros(1, 1, 8, 8))
    assert isinstance(strategy, StructuredPruning)
    return strategy


def test_structured_state_rebuilds_the_smaller_model_and_hybrid_share() -> None:
    pruned = structured()
    state = sent_state(pruned.model)
    start = GlobalModel(params=state, masks=full_masks(state, ["features.0.weight"]))
    ups = [Update(cid=0, num_examples=1, params=state, masks=start.masks)]
    pruned.aggregate(rnd=1, model=start, updates=ups)
    fresh = structured()

    fresh.load_state_dict(through_disk(pruned.state_dict()))

    shapes = {n: t.shape for n, t in pruned.model.state_dict().items()}
    assert {n: t.shape for n, t in fresh.model.state_dict().items()} == shapes
    assert shapes["features.0.weight"][0] < 16
    assert fresh.prunable_dense == pruned.prunable_dense is not None
    assert fresh.hybrid is not None and pruned.hybrid is not None
    assert fresh.hybrid.kept == pruned.hybrid.kept < 1.0
    x = torch.rand(3, 1, 8, 8)
    assert torch.equal(fresh.model.eval()(x), pruned.model.eval()(x))
