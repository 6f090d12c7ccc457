"""Sparse training of pruned Linear layers: the CSR structure is the mask's, training on the
kept weights is masked dense training up to float summation order, and the model comes back
as it was."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from fedprune.messages import Instruction
from fedprune.prune.mask import apply_masks
from fedprune.sparse_linear import AUTO, CsrPattern, SparsePolicy, sparse_linears
from fedprune.training import train_local


def masked_mlp(density: float, seed: int = 0) -> tuple[nn.Module, dict[str, torch.Tensor]]:
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Flatten(), nn.Linear(20, 16), nn.ReLU(), nn.Linear(16, 4))
    g = torch.Generator().manual_seed(seed)
    masks = {
        n: torch.rand(p.shape, generator=g) < density
        for n, p in model.named_parameters()
        if p.dim() == 2
    }
    with torch.no_grad():
        apply_masks(dict(model.named_parameters()), masks)
    return model, masks


def test_the_csr_pattern_is_the_masked_weight_and_its_transpose() -> None:
    g = torch.Generator().manual_seed(1)
    mask = torch.rand(7, 5, generator=g) < 0.3
    w = torch.randn(7, 5, generator=g) * mask
    pattern = CsrPattern.from_mask(mask)
    values = w.reshape(-1)[pattern.flat]

    assert values.numel() == int(mask.sum())
    assert torch.equal(pattern.matrix(values).to_dense(), w)
    assert torch.equal(pattern.transposed(values).to_dense(), w.t())


@pytest.mark.parametrize(
    "options",
    [
        {"momentum": 0.0},
        {"momentum": 0.9, "weight_decay": 1e-3},
        {"momentum": 0.5, "prox_mu": 0.1},
    ],
    ids=["sgd", "momentum+wd", "fedprox"],
)
def test_training_on_the_kept_weights_matches_masked_dense_training(options: dict) -> None:
    x = torch.randn(50, 20, generator=torch.Generator().manual_seed(2))
    y = torch.randint(0, 4, (50,), generator=torch.Generator().manual_seed(3))
    instruction = Instruction(epochs=2, batch_size=8, lr=0.1, **options)
    results = []
    for policy in (None, SparsePolicy(max_density=1.0)):
        model, masks = masked_mlp(0.2)
        loss = train_local(
            model=model,
            x=x,
            y=y,
            masks=masks,
            instruction=instruction,
            generator=torch.Generator().manual_seed(4),
            sparse=policy,
        )
        results.append((model, masks, loss["train_loss"]))
    (dense, masks, dense_loss), (sparse, _, sparse_loss) = results

    assert [n for n, _ in sparse.named_parameters()] == [n for n, _ in dense.named_parameters()]
    assert all(type(m).forward is m.forward.__func__ for m in sparse.modules())  # type: ignore[attr-defined]
    for (name, a), b in zip(dense.named_parameters(), sparse.parameters(), strict=True):
        assert torch.allclose(a, b, atol=1e-5), name
        if name in masks:
            assert not b[~masks[name]].any(), f"{name}: a pruned entry moved"
    assert sparse_loss == pytest.approx(dense_loss, rel=1e-5)
    assert not torch.equal(dense[1].weight, masked_mlp(0.2)[0][1].weight)  # it did train


def test_only_layers_at_or_below_the_density_are_packed_and_all_come_back_after_an_error() -> None:
    model, masks = masked_mlp(0.2)
    masks["3.weight"] = torch.ones(4, 16, dtype=torch.bool)  # dense: stays a dense layer
    before = {n: p.detach().clone() for n, p in model.named_parameters()}

    with (
        pytest.raises(RuntimeError, match="inside"),
        sparse_linears(model, masks, policy=SparsePolicy(max_density=0.5)) as packed,
    ):
        assert packed == {"1.weight"}
        assert "1.weight_kept" in dict(model.named_parameters())
        assert "1.weight" not in dict(model.named_parameters())
        raise RuntimeError("inside")

    after = dict(model.named_parameters())
    assert list(after) == list(before)
    assert all(torch.equal(after[n], before[n]) for n in before)
    assert not hasattr(model[1], "csr_pattern")


def test_the_policy_selects_by_kept_share_and_size() -> None:
    mask = torch.zeros(100, 100, dtype=torch.bool)
    mask[:4, :10] = True  # 40 of 10,000 kept

    assert SparsePolicy(max_density=0.05).selects(mask, 40)
    assert not SparsePolicy(max_density=0.001).selects(mask, 40)
    assert not SparsePolicy(max_density=0.05, min_numel=10_001).selects(mask, 40)
    assert not SparsePolicy(max_density=0.05).selects(mask, 0)  # nothing left to train


@pytest.mark.parametrize(("choice", "expected"), [("auto", AUTO), ("off", None)])
def test_engine_sparse_kernels_reaches_the_clients(choice: str, expected: object) -> None:
    from fedprune.config import build_config
    from fedprune.experiment import Experiment

    config = build_config(
        overrides=["data.dataset=digits", "model.name=mlp", f"engine.sparse_kernels={choice}"]
    )
    assert Experiment(config=config).worker.sparse == expected
