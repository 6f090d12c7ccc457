"""``ClientWorker`` on a tiny MLP: training under the mask, prune orders, determinism."""

from __future__ import annotations

import math

import torch
from torch import nn

from fedprune.client import ClientData, ClientWorker, client_seed
from fedprune.messages import ClientJob, Instruction, PruneOrder
from fedprune.metrics import global_sparsity, layer_sparsity
from fedprune.payload import pack_model, unpack_model
from fedprune.prune import PRUNERS
from fedprune.training import GradientMean, train_local

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


# --- criteria: each gets what it declares it needs -----------------------------------------


def one_batch_job(order: PruneOrder, *, shrink_l1: float = 0.0) -> ClientJob:
    # batch_size 8 > 6 examples: one batch per epoch, so a gradient does not depend on the
    # order; 20 epochs move the weights far enough that trained and received scores differ
    instruction = Instruction(epochs=20, batch_size=8, lr=0.5, prune=order, shrink_l1=shrink_l1)
    return ClientJob(rnd=1, cid=0, instruction=instruction, downlink=downlink())


def layer_masks(scores: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    full = {n: torch.ones_like(s, dtype=torch.bool) for n, s in scores.items()}
    return PRUNERS.get("layer")().compute_masks(scores=scores, masks=full, target=0.5)


def test_snip_scores_the_received_weights_with_their_loss_gradient() -> None:
    model, data = tiny_model(), client_data()[0]
    loss = torch.nn.functional.cross_entropy(model(data.x), data.y)
    grads = torch.autograd.grad(loss, [model.get_parameter(n) for n in PRUNABLE])
    expected = layer_masks(
        {
            n: (model.get_parameter(n) * g).abs().detach()
            for n, g in zip(PRUNABLE, grads, strict=True)
        }
    )
    w = worker()

    _, masks = decode_upload(w, w(one_batch_job(PruneOrder("layer", "snip", 0.5))).payload)
    _, by_magnitude = decode_upload(
        w, w(one_batch_job(PruneOrder("layer", "magnitude", 0.5))).payload
    )

    for n in PRUNABLE:
        assert torch.equal(masks[n], expected[n]), n
    assert any(not torch.equal(masks[n], by_magnitude[n]) for n in PRUNABLE)


def test_taking_the_snip_gradient_does_not_change_the_training_batches() -> None:
    w = worker(seed=5)

    snip = w(job(prune=PruneOrder("global", "snip", 0.0))).payload
    magnitude = w(job(prune=PruneOrder("global", "magnitude", 0.0))).payload

    assert snip == magnitude


def test_taylor_scores_the_trained_weights_with_the_mean_training_gradient() -> None:
    model, data = tiny_model(), client_data()[0]
    running = GradientMean(params={n: model.get_parameter(n) for n in PRUNABLE})
    train_local(
        model=model,
        x=data.x,
        y=data.y,
        masks={n: torch.ones_like(model.get_parameter(n), dtype=torch.bool) for n in PRUNABLE},
        instruction=one_batch_job(PruneOrder("layer", "taylor", 0.5)).instruction,
        generator=torch.Generator().manual_seed(client_seed(seed=0, rnd=1, cid=0)),
        gradients=running,
    )
    mean = running.mean()
    expected = layer_masks({n: (model.get_parameter(n) * mean[n]).abs().detach() for n in PRUNABLE})
    w = worker()

    _, masks = decode_upload(w, w(one_batch_job(PruneOrder("layer", "taylor", 0.5))).payload)

    for n in PRUNABLE:
        assert torch.equal(masks[n], expected[n]), n


def test_random_masks_repeat_with_the_seed_and_change_with_another() -> None:
    order = PruneOrder(pruner="global", criterion="random", target=0.5)

    first = decode_upload(worker(seed=1), worker(seed=1)(job(prune=order)).payload)[1]
    again = decode_upload(worker(seed=1), worker(seed=1)(job(prune=order)).payload)[1]
    other = decode_upload(worker(seed=2), worker(seed=2)(job(prune=order)).payload)[1]

    assert all(torch.equal(first[n], again[n]) for n in PRUNABLE)
    assert any(not torch.equal(first[n], other[n]) for n in PRUNABLE)
    assert global_sparsity(first) == 0.5


def test_shrink_with_l1_uploads_exact_zeros_pruned_at_the_ordered_rate() -> None:
    w = worker()
    order = PruneOrder(pruner="global", criterion="shrink", target=0.5)

    params, masks = decode_upload(w, w(one_batch_job(order, shrink_l1=2.0)).payload)

    assert global_sparsity(masks) == 0.5
    for n in PRUNABLE:
        assert torch.all(params[n][~masks[n]] == 0)


def test_clients_sharing_a_downlink_object_decode_it_once_with_the_same_uploads(
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    import fedprune.client as client_module

    decodes: list[int] = []

    def counting(**kwargs):  # type: ignore[no-untyped-def]
        decodes.append(len(kwargs["payload"]))
        return unpack_model(**kwargs)

    order = PruneOrder(pruner="global", criterion="magnitude", target=0.5)
    shared = downlink()
    separate = [worker()(job(cid=c, prune=order, down=downlink())).payload for c in (0, 1)]
    monkeypatch.setattr(client_module, "unpack_model", counting)
    w = worker()

    uploads = [w(job(cid=c, prune=order, down=shared)).payload for c in (0, 1, 0)]
    w(job(cid=1, prune=order, down=downlink()))  # equal bytes, another object: decoded

    assert decodes == [len(shared), len(shared)]
    assert uploads == [separate[0], separate[1], separate[0]]
