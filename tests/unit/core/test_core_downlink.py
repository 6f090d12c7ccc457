"""Per-client downlinks: masks go only to clients that do not hold them; stale caches fail."""

from __future__ import annotations

import pytest
import torch

from fedprune.client import ClientData, ClientWorker
from fedprune.codec import CodecError, parse_pipeline
from fedprune.downlink import DownlinkEncoder, mask_digest
from fedprune.messages import ClientJob, GlobalModel, Instruction
from fedprune.payload import sent_state, unpack_model

PRUNABLE = ["0.weight", "2.weight"]


def tiny_model() -> torch.nn.Module:
    model = torch.nn.Sequential(torch.nn.Linear(40, 30), torch.nn.ReLU(), torch.nn.Linear(30, 2))
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=gen))
    return model


def global_model(pruned_row: int = 0) -> GlobalModel:
    params = sent_state(tiny_model())
    masks = {n: torch.ones_like(params[n], dtype=torch.bool) for n in PRUNABLE}
    masks["0.weight"][pruned_row] = False
    params["0.weight"] = params["0.weight"] * masks["0.weight"]
    return GlobalModel(params=params, masks=masks)


def encoder(pipeline: str = "mask-known+fp16") -> DownlinkEncoder:
    return DownlinkEncoder(pipeline=parse_pipeline(pipeline))


def test_masks_are_sent_again_only_to_clients_that_may_not_hold_them() -> None:
    enc = encoder()
    seed = [0, 1, 2]

    first = enc.payloads(model=global_model(), clients=[0, 1], seed=seed)
    second = enc.payloads(model=global_model(), clients=[1, 2], seed=seed)
    enc.forget(1)
    third = enc.payloads(model=global_model(), clients=[1], seed=seed)
    changed = enc.payloads(model=global_model(pruned_row=1), clients=[2], seed=seed)

    full = first[0]
    assert first[1] == full and second[2] == full and third[1] == full
    assert len(second[1]) < len(full)  # a 1,200-bit mask traded for a 12-byte check
    assert changed[2] != full and len(changed[2]) == len(full)


def test_a_pipeline_without_mask_known_sends_one_payload_to_all() -> None:
    enc = encoder("fp16")
    seed = [0, 1, 2]
    enc.payloads(model=global_model(), clients=[0], seed=seed)

    out = enc.payloads(model=global_model(), clients=[0, 1], seed=seed)

    assert out[0] == out[1]


@pytest.mark.parametrize("pipeline", ["mask-known+fp16", "mask-known+int8(stochastic)+zstd"])
def test_mask_known_and_full_downlinks_decode_to_the_same_model(pipeline: str) -> None:
    enc, model = encoder(pipeline), global_model()
    full = enc.payloads(model=model, clients=[0], seed=[5])[0]
    known = enc.payloads(model=model, clients=[0], seed=[5])[0]
    reference = sent_state(tiny_model())

    p_full, m_full = unpack_model(payload=full, reference=reference, prunable=PRUNABLE)
    p_known, m_known = unpack_model(
        payload=known, reference=reference, prunable=PRUNABLE, known_masks=m_full
    )

    assert known != full
    for n in reference:
        assert torch.equal(p_known[n], p_full[n])
    for n in PRUNABLE:
        assert torch.equal(m_known[n], m_full[n])


def test_the_digest_follows_mask_bits_and_shapes() -> None:
    masks = global_model().masks
    flat = {n: m.reshape(-1) for n, m in masks.items()}

    assert mask_digest(masks) == mask_digest({n: m.clone() for n, m in masks.items()})
    assert mask_digest(masks) != mask_digest(global_model(pruned_row=1).masks)
    assert mask_digest(masks) != mask_digest(flat)


def worker() -> ClientWorker:
    gen = torch.Generator().manual_seed(1)
    data = [ClientData(x=torch.randn(6, 40, generator=gen), y=torch.tensor([0, 1, 0, 1, 1, 0]))]
    return ClientWorker(model=tiny_model(), prunable=PRUNABLE, data=data, seed=0, cache_masks=True)


def job(downlink: bytes) -> ClientJob:
    instruction = Instruction(epochs=1, batch_size=4, lr=0.1, momentum=0.0)
    return ClientJob(rnd=1, cid=0, instruction=instruction, downlink=downlink)


def test_a_client_caches_the_masks_and_reads_the_next_mask_known_downlink() -> None:
    enc, w = encoder(), worker()
    w(job(enc.payloads(model=global_model(), clients=[0], seed=[1])[0]))

    reply = w(job(enc.payloads(model=global_model(), clients=[0], seed=[1])[0]))

    assert reply.payload
    assert torch.equal(w.masks_held[0]["0.weight"].unpack(), global_model().masks["0.weight"])


def test_a_stale_or_missing_mask_cache_fails_with_a_codec_error() -> None:
    enc, w = encoder(), worker()
    w(job(enc.payloads(model=global_model(), clients=[0], seed=[1])[0]))
    # the server moved on (row 1 pruned instead of row 0: same count) without this client
    enc.payloads(model=global_model(pruned_row=1), clients=[0], seed=[1])
    stale = enc.payloads(model=global_model(pruned_row=1), clients=[0], seed=[1])[0]

    with pytest.raises(CodecError, match=r"client 0 \(cached masks\).*differs from the sender"):
        w(job(stale))
    with pytest.raises(CodecError, match=r"client 0 \(no cached masks\)"):
        worker()(job(stale))


def test_the_mask_cache_and_the_digests_round_trip_through_state_dicts() -> None:
    enc, w = encoder(), worker()
    w(job(enc.payloads(model=global_model(), clients=[0], seed=[1])[0]))
    enc2, w2 = encoder(), worker()

    enc2.load_state_dict(enc.state_dict())
    w2.load_state_dict(w.state_dict())
    known = enc2.payloads(model=global_model(), clients=[0], seed=[1])[0]

    assert len(known) < len(enc.payloads(model=global_model(), clients=[9], seed=[1])[9])
    assert w2(job(known)).payload
