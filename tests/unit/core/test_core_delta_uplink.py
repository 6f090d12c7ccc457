"""Delta uploads with client-side pruning: the client's mask travels, the server rebuilds."""

from __future__ import annotations

import pytest
import torch

from fedprune.client import ClientData, ClientWorker, Uplink
from fedprune.codec import encode_pipeline, parse_pipeline
from fedprune.messages import ClientJob, Instruction, PruneOrder
from fedprune.payload import (
    PayloadError,
    pack_model,
    sent_state,
    unpack_masked_delta,
    unpack_model,
)

PRUNABLE = ["0.weight", "2.weight"]


def test_masked_delta_gives_base_plus_delta_where_kept_and_zero_where_pruned() -> None:
    base = {"w": torch.tensor([1.0, 2.0, 0.5, -1.0]), "b": torch.tensor([0.25])}
    trained = {"w": torch.tensor([1.5, 0.0, 0.75, 0.0]), "b": torch.tensor([0.5])}
    mask = torch.tensor([True, False, True, False])
    delta = {n: trained[n] - base[n] for n in base}

    payload = encode_pipeline(tensors=delta, masks={"w": mask}, pipeline="fp32")
    params, masks = unpack_masked_delta(payload=payload, base=base, prunable=["w"])

    assert params["w"].tolist() == [1.5, 0.0, 0.75, 0.0]
    assert params["b"].tolist() == [0.5]
    assert torch.equal(masks["w"], mask)


def test_a_prunable_tensor_sent_without_a_mask_is_fully_kept() -> None:
    base = {"w": torch.tensor([1.0, 2.0])}
    payload = encode_pipeline(tensors={"w": torch.tensor([0.5, -0.5])}, pipeline="fp32")

    params, masks = unpack_masked_delta(payload=payload, base=base, prunable=["w"])

    assert params["w"].tolist() == [1.5, 1.5]
    assert masks["w"].tolist() == [True, True]


def test_a_mask_on_a_non_prunable_tensor_is_refused() -> None:
    base = {"b": torch.tensor([1.0, 2.0])}
    payload = encode_pipeline(
        tensors={"b": torch.zeros(2)}, masks={"b": torch.tensor([True, False])}, pipeline="fp32"
    )

    with pytest.raises(PayloadError, match="non-prunable"):
        unpack_masked_delta(payload=payload, base=base, prunable=[])


def tiny_model() -> torch.nn.Module:
    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=gen))
    return model


def worker(uplink: Uplink) -> ClientWorker:
    gen = torch.Generator().manual_seed(1)
    data = [ClientData(x=torch.randn(6, 4, generator=gen), y=torch.tensor([0, 1, 0, 1, 1, 0]))]
    return ClientWorker(model=tiny_model(), prunable=PRUNABLE, data=data, seed=0, uplink=uplink)


def pruning_job() -> tuple[ClientJob, dict[str, torch.Tensor]]:
    params = sent_state(tiny_model())
    masks = {n: torch.ones_like(params[n], dtype=torch.bool) for n in PRUNABLE}
    order = PruneOrder(pruner="global", criterion="magnitude", target=0.5)
    instruction = Instruction(epochs=2, batch_size=4, lr=0.1, momentum=0.5, prune=order)
    down = pack_model(params=params, masks=masks)
    return ClientJob(rnd=1, cid=0, instruction=instruction, downlink=down), params


def upload(uplink: Uplink) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
    job, base = pruning_job()
    payload = worker(uplink)(job).payload
    if uplink.delta:
        return unpack_masked_delta(payload=payload, base=base, prunable=PRUNABLE)
    return unpack_model(payload=payload, reference=base, prunable=PRUNABLE)


def test_client_pruned_delta_upload_equals_the_weight_upload() -> None:
    plain_params, plain_masks = upload(Uplink())
    params, masks = upload(Uplink(delta=True))

    assert masks.keys() == plain_masks.keys()
    for n in PRUNABLE:
        assert torch.equal(masks[n], plain_masks[n])
        assert not masks[n].all()  # the client really pruned: 9 of 18 entries
        assert torch.all(params[n][~masks[n]] == 0)
    for n, expected in plain_params.items():
        # received + (trained - received) in float32: equal up to one rounding of the sum
        torch.testing.assert_close(params[n], expected, rtol=0, atol=1e-6)


def test_client_pruned_int8_delta_upload_is_within_half_a_quantisation_step() -> None:
    plain_params, plain_masks = upload(Uplink())
    params, masks = upload(Uplink(pipeline=parse_pipeline("int8"), delta=True))

    for n in PRUNABLE:
        assert torch.equal(masks[n], plain_masks[n])
        assert torch.all(params[n][~masks[n]] == 0)
    _, base = pruning_job()
    for n, expected in plain_params.items():
        delta = (expected - base[n])[masks[n]] if n in masks else expected - base[n]
        step = float(delta.abs().max()) / 127
        assert float((params[n] - expected).abs().max()) <= step / 2 + 1e-6


def test_error_feedback_keeps_no_residual_at_entries_the_client_pruned() -> None:
    uplink = Uplink(pipeline=parse_pipeline("int8"), delta=True, error_feedback=True)
    w = worker(uplink)
    job, base = pruning_job()

    payload = w(job).payload
    _, masks = unpack_masked_delta(payload=payload, base=base, prunable=PRUNABLE)
    residual = w.feedback[0].residual

    for n in PRUNABLE:
        assert torch.all(residual[n][~masks[n]] == 0)
        assert residual[n][masks[n]].abs().max() > 0  # the int8 error is kept where kept
