"""``ClientWorker`` on a tiny MLP: training under the mask, prune orders, determinism."""

from __future__ import annotations

import math

import torch
from torch import nn

from fedprune.client import ClientData, ClientWorker
from fedprune.messages import ClientJob, Instruction, PruneOrder
from fedprune.metrics import global_sparsity, layer_sparsity
from fedprune.payload import pack_model, unpack_model

PRUNABLE = ["0.weight", "2.weight"]  # 12 + 6 = 18 prunable entries


def tiny_model() -> nn.Module:
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=gen))
    return model


def client_data() -> list[ClientData]:
    gen = torch.Generator().manual_seed(1)
    labels = torch.tensor([0, 1, 0, 1, 1, 0])
    return [ClientData(x=torch.randn(6, 4, generator=gen), y=labels) for _ in range(2)]


def worker(seed: int = 0) -> ClientWorker:
    return ClientWorker(model=tiny_model(), prunable=PRUNABLE, data=client_data(), seed=seed)


def downlink(masks: dict[str, torch.Tensor] | None = None) -> bytes:
    params = {k: v.clone() for k, v in tiny_model().state_dict().items()}
    masks = masks or {n: torch.ones_like(params[n], dtype=torch.bool) for n in PRUNABLE}
    for n, m in masks.items():
        params[n].mul_(m)
    return pack_model(params=params, masks=masks)


def job(
    *, rnd: int = 1, cid: int = 0, prune: PruneOrder | None = None, down: bytes = b""
) -> ClientJob:
    instruction = Instruction(epochs=2, batch_size=4, lr=0.1, momentum=0.5, prune=prune)
    return ClientJob(rnd=rnd, cid=cid, instruction=instruction, downlink=down or downlink())


def decode_upload(w: ClientWorker, payload: bytes) -> tuple[dict, dict]:
    return unpack_model(payload=payload, reference=w.reference, prunable=PRUNABLE)


def test_upload_reports_examples_and_a_finite_loss() -> None:
    w = worker()

    reply = w(job(cid=1))

    assert reply.cid == 1
    assert reply.num_examples == 6
    assert reply.error is None
    assert math.isfinite(reply.metrics["train_loss"])


def test_training_changes_the_weights() -> None:
    w = worker()

    params, _ = decode_upload(w, w(job()).payload)

    assert not torch.equal(params["0.weight"], tiny_model().state_dict()["0.weight"])


def test_global_prune_order_yields_the_ordered_sparsity_with_zeroed_values() -> None:
    w = worker()
    order = PruneOrder(pruner="global", criterion="magnitude", target=0.5)

    params, masks = decode_upload(w, w(job(prune=order)).payload)

    assert global_sparsity(masks) == 0.5  # 9 of 18
    for n in PRUNABLE:
        assert torch.all(params[n][~masks[n]] == 0)


def test_layer_prune_order_prunes_each_layer_to_the_target() -> None:
    w = worker()
    order = PruneOrder(pruner="layer", criterion="magnitude", target=0.5)

    params, masks = decode_upload(w, w(job(prune=order)).payload)

    assert layer_sparsity(masks) == {"0.weight": 0.5, "2.weight": 0.5}
    for n in PRUNABLE:
        assert torch.all(params[n][~masks[n]] == 0)


def test_without_an_order_the_downlink_mask_comes_back_and_pruned_entries_stay_zero() -> None:
    w = worker()
    mask0 = torch.ones(3, 4, dtype=torch.bool)
    mask0[0, :] = False
    masks_down = {"0.weight": mask0, "2.weight": torch.ones(2, 3, dtype=torch.bool)}

    params, masks = decode_upload(w, w(job(down=downlink(masks_down))).payload)

    assert torch.equal(masks["0.weight"], mask0)
    assert torch.equal(masks["2.weight"], masks_down["2.weight"])
    assert torch.equal(params["0.weight"][0], torch.zeros(4))


def test_prune_order_never_revives_entries_pruned_in_the_downlink() -> None:
    w = worker()
    mask0 = torch.ones(3, 4, dtype=torch.bool)
    mask0[:, 0] = False  # 3 of 18 already pruned
    masks_down = {"0.weight": mask0, "2.weight": torch.ones(2, 3, dtype=torch.bool)}
    order = PruneOrder(pruner="global", criterion="magnitude", target=0.5)

    _, masks = decode_upload(w, w(job(prune=order, down=downlink(masks_down))).payload)

    assert not masks["0.weight"][:, 0].any()
    assert global_sparsity(masks) == 0.5


def test_same_seed_round_and_client_give_identical_bytes() -> None:
    order = PruneOrder(pruner="global", criterion="magnitude", target=0.5)
    w = worker(seed=3)

    first = w(job(rnd=2, cid=1, prune=order)).payload
    again = w(job(rnd=2, cid=1, prune=order)).payload  # the reused model must not leak state
    fresh = worker(seed=3)(job(rnd=2, cid=1, prune=order)).payload

    assert first == again
    assert first == fresh


def test_a_different_round_gives_different_batches_and_bytes() -> None:
    w = worker(seed=3)

    first = w(job(rnd=1)).payload
    second = w(job(rnd=2)).payload

    assert first != second
