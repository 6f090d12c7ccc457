"""Error feedback: nothing is lost, only delayed; state survives a state_dict round trip."""

from __future__ import annotations

import pytest
import torch

from fedprune.codec import ErrorFeedback, decode, feedback_step


def updates(rounds: int, seed: int = 0) -> list[dict[str, torch.Tensor]]:
    gen = torch.Generator().manual_seed(seed)
    return [
        {"w": torch.randn(40, 25, generator=gen), "b": torch.randn(7, generator=gen)}
        for _ in range(rounds)
    ]


@pytest.mark.parametrize(
    "pipeline", ["topk(0.05)+fp32", "topk(0.1)+int8(stochastic)+zstd", "topk(0.02)+ternary+zstd"]
)
def test_sum_sent_plus_final_residual_equals_sum_of_updates(pipeline: str) -> None:
    ef = ErrorFeedback(pipeline=pipeline)
    rounds = updates(20)
    total_sent = {n: torch.zeros_like(t) for n, t in rounds[0].items()}

    for i, update in enumerate(rounds):
        step = ef.step(update=update, rng=i)
        assert torch.equal(decode(step.payload).tensors["w"], step.sent["w"])
        for n in total_sent:
            total_sent[n] += step.sent[n]

    for n in total_sent:
        total_update = sum(u[n] for u in rounds)
        assert torch.allclose(total_sent[n] + ef.residual[n], total_update, atol=1e-4)
        assert not torch.allclose(total_sent[n], total_update, atol=1e-2)  # something delayed


def test_residual_carries_what_topk_dropped() -> None:
    update = {"w": torch.tensor([4.0, 1.0, -3.0, 0.5])}

    step = feedback_step(update=update, residual={}, pipeline="topk(0.5)")
    again = feedback_step(
        update={"w": torch.zeros(4)}, residual=step.residual, pipeline="topk(0.5)"
    )

    assert step.sent["w"].tolist() == [4.0, 0.0, -3.0, 0.0]
    assert step.residual["w"].tolist() == [0.0, 1.0, 0.0, 0.5]
    assert again.sent["w"].tolist() == [0.0, 1.0, 0.0, 0.5]


def test_state_dict_round_trip_continues_identically() -> None:
    rounds = updates(4, seed=1)
    a = ErrorFeedback(pipeline="topk(0.1)+int8+zstd")
    for u in rounds[:2]:
        a.step(update=u)
    b = ErrorFeedback(pipeline="topk(0.1)+int8+zstd")

    b.load_state_dict(a.state_dict())

    assert a.step(update=rounds[2]).payload == b.step(update=rounds[2]).payload


def test_state_for_another_pipeline_or_shape_is_refused() -> None:
    a = ErrorFeedback(pipeline="topk(0.1)")
    a.step(update={"w": torch.ones(4)})

    with pytest.raises(ValueError, match="pipeline"):
        ErrorFeedback(pipeline="topk(0.2)").load_state_dict(a.state_dict())
    with pytest.raises(ValueError, match="shape"):
        a.step(update={"w": torch.ones(5)})


def test_mask_known_pipelines_decode_with_the_shared_mask() -> None:
    mask = {"w": torch.tensor([True, False, True])}

    step = feedback_step(
        update={"w": torch.tensor([1.0, 2.0, 3.0])},
        residual={},
        pipeline="mask-known+fp16",
        masks=mask,
    )

    assert step.sent["w"].tolist() == [1.0, 0.0, 3.0]
    assert step.residual["w"].tolist() == [0.0, 2.0, 0.0]
