"""Structured pruning in a tiny federation: the global model, clients and masks all shrink."""

from __future__ import annotations

import functools

import pytest
import torch

from fedprune.config import build_config
from fedprune.experiment import Experiment, RunResult

TINY = [
    "data.dataset=digits",
    "model.name=cnn",
    "data.num_clients=6",
    "federation.clients_per_round=3",
    "federation.rounds=3",
    "train.epochs=1",
    "engine.threads=1",
]


@functools.cache
def run(*extra: str) -> RunResult:
    return Experiment(config=build_config(overrides=[*TINY, *extra])).run()


def test_server_structured_step_shrinks_the_global_model_to_the_flops_budget() -> None:
    dense = run("pruning.mode=none")
    pruned = run(
        "pruning.mode=none",
        "structured.mode=server",
        "structured.flops_budget=0.25",
        "structured.rounds=[2]",
    )

    assert pruned.model is not None and dense.model is not None
    assert pruned.summary["macs_ratio"] <= 0.25
    assert dense.summary["macs_ratio"] == 1.0
    assert pruned.summary["rejected_updates"] == pruned.summary["failed_clients"] == 0
    # the smaller model travels: round 3 downlink and uplink shrink against round 1
    r1, r3 = pruned.rounds[0], pruned.rounds[2]
    assert r3["bytes_down"] < 0.6 * r1["bytes_down"]
    assert r3["bytes_up"] < 0.6 * r1["bytes_up"]
    assert [r["macs"] for r in pruned.rounds][:1] == [dense.summary["macs"]]
    small = sum(t.numel() for t in pruned.model.params.values())
    assert small < 0.6 * sum(t.numel() for t in dense.model.params.values())
    assert pruned.summary["final_accuracy"] > 0.15


def test_round_to_leaves_every_pruned_layer_a_multiple_of_channels() -> None:
    budget = ["pruning.mode=none", "structured.mode=server", "structured.flops_budget=0.25"]
    plain = run(*budget, "structured.rounds=[2]")
    rounded = run(*budget, "structured.rounds=[2]", "structured.round_to=8")

    assert plain.model is not None and rounded.model is not None
    assert rounded.summary["macs_ratio"] <= 0.25
    dense = run("pruning.mode=none").model
    assert dense is not None
    for name, p in rounded.model.params.items():
        if p.dim() > 1 and p.shape[0] != dense.params[name].shape[0]:  # a pruned layer's outputs
            assert p.shape[0] % 8 == 0, (name, tuple(p.shape))
    widths = {
        n: p.shape[0]
        for n, p in plain.model.params.items()
        if p.dim() > 1 and p.shape[0] != dense.params[n].shape[0]
    }
    assert any(w % 8 for w in widths.values()), widths  # the plain plan's widths were odd


def test_client_scored_structure_counts_the_scores_uplink() -> None:
    server = run(
        "pruning.mode=none",
        "structured.mode=server",
        "structured.ratio=0.5",
        "structured.rounds=[2]",
        "structured.scope=layer",
    )
    client = run(
        "pruning.mode=none",
        "structured.mode=client",
        "structured.ratio=0.5",
        "structured.rounds=[2]",
        "structured.criterion=taylor",
        "structured.scope=layer",
    )

    assert client.summary["rejected_updates"] == 0
    # the same share of each layer's channels removed, so the same model size after the step
    assert client.summary["macs"] == server.summary["macs"] < server.rounds[0]["macs"]
    # round 2 carried the scores beside the updates: more uplink than the server-scored run
    assert client.rounds[1]["bytes_up"] > server.rounds[1]["bytes_up"]
    assert client.rounds[0]["bytes_up"] == server.rounds[0]["bytes_up"]


def test_hybrid_meets_the_dense_target_with_a_smaller_model() -> None:
    hybrid = run(
        "pruning.mode=server",
        "pruning.schedule=oneshot",
        "pruning.start_round=3",
        "pruning.target=0.8",
        "structured.mode=server",
        "structured.params_budget=0.5",
        "structured.rounds=[2]",
    )

    model = hybrid.model
    assert model is not None
    counts = hybrid.summary["parameters"]
    dense = run("pruning.mode=none").summary["parameters"]
    # prunable weights kept, against the dense model's prunable count: about 20 %
    kept = sum(int(m.sum()) for m in model.masks.values())
    assert kept == pytest.approx(0.2 * dense["prunable"], rel=0.02)
    assert counts["prunable"] < 0.6 * dense["prunable"]
    for name, mask in model.masks.items():
        assert bool((model.params[name][~mask] == 0).all()), name


def test_fedadam_moments_follow_the_new_shapes() -> None:
    cfg = build_config(
        overrides=[
            *TINY,
            "pruning.mode=none",
            "federation.strategy=fedadam",
            "structured.mode=server",
            "structured.ratio=0.5",
            "structured.rounds=[3]",
        ]
    )
    exp = Experiment(config=cfg)
    result = exp.run()

    model = result.model
    assert model is not None
    inner = exp.strategy.inner  # type: ignore[attr-defined]
    for slot in ("m", "v"):
        for name, moment in inner.moments[slot].items():
            assert moment.shape == model.params[name].shape, (slot, name)
    # sliced, not reset: the second moments of kept weights are still non-zero after the step
    assert float(inner.moments["v"]["classifier.0.weight"].abs().sum()) > 0


@pytest.mark.parametrize("model", ["cnn_bn", "resnet"])
def test_batchnorm_models_slim_by_bn_scale_in_federation(model: str) -> None:
    result = run(
        f"model.name={model}",
        "pruning.mode=none",
        "structured.mode=server",
        "structured.criterion=bn_scale",
        "structured.ratio=0.5",
        "structured.rounds=[2]",
    )

    assert result.summary["rejected_updates"] == result.summary["failed_clients"] == 0
    assert result.summary["macs_ratio"] < 0.7
    # BatchNorm's integer step counters stay on each side; its float statistics travel
    assert result.model is not None
    assert not any(n.endswith("num_batches_tracked") for n in result.model.params)
    assert any(n.endswith("running_var") for n in result.model.params)


def test_bad_channel_scores_from_a_client_are_rejected() -> None:
    from fedprune.codec import encode_pipeline
    from fedprune.messages import GlobalModel
    from fedprune.payload import FP32, PayloadError, sent_state
    from fedprune.prune.mask import full_masks
    from fedprune.prune.structured import channel_groups

    cfg = build_config(
        overrides=[*TINY, "structured.mode=client", "structured.ratio=0.5", "structured.rounds=[2]"]
    )
    exp = Experiment(config=cfg)
    state = sent_state(exp.model)
    model = GlobalModel(params=state, masks=full_masks(state, exp.prunable))
    groups = channel_groups(model=exp.model, example_input=exp.example_input)
    good = {g: torch.rand(n) for g, n in groups.items()}

    def encoded(scores: dict[str, torch.Tensor]) -> bytes:
        return encode_pipeline(tensors=scores, masks={}, pipeline=FP32)

    decoded = exp._decode_channel_scores(encoded(good), model)
    assert decoded is not None and set(decoded) == set(groups)
    first = next(iter(groups))
    with pytest.raises(PayloadError, match="negative"):
        exp._decode_channel_scores(encoded(good | {first: -torch.ones(groups[first])}), model)
    with pytest.raises(PayloadError, match="shape"):
        exp._decode_channel_scores(encoded(good | {first: torch.ones(groups[first] + 1)}), model)
    renamed = {("bogus" if g == first else g): s for g, s in good.items()}
    with pytest.raises(PayloadError, match="names differ"):
        exp._decode_channel_scores(encoded(renamed), model)
