"""Local training keeps pruned weights exactly zero."""

import torch
from torch import nn

from fedprune.messages import Instruction
from fedprune.models import build_model, prunable_names
from fedprune.prune import CRITERIA, PRUNERS
from fedprune.prune.mask import apply_masks, full_masks
from fedprune.training import evaluate, train_local


def test_masked_weights_stay_exactly_zero_through_sgd_with_momentum_and_decay() -> None:
    torch.manual_seed(0)
    model = build_model(name="cnn", input_shape=(1, 8, 8), num_classes=10)
    names = prunable_names(model)
    params = dict(model.named_parameters())
    masks = PRUNERS.get("global")().compute_masks(
        scores=CRITERIA.get("magnitude")({n: params[n] for n in names}),
        masks=full_masks(params, names),
        target=0.7,
    )
    with torch.no_grad():
        apply_masks(params, masks)
    x, y = torch.randn(64, 1, 8, 8), torch.randint(0, 10, (64,))
    instr = Instruction(epochs=3, batch_size=8, lr=0.1, momentum=0.9, weight_decay=1e-3)

    train_local(
        model=model,
        x=x,
        y=y,
        masks=masks,
        instruction=instr,
        generator=torch.Generator().manual_seed(1),
    )

    for name in names:
        assert bool((params[name][~masks[name]] == 0).all()), name
        assert bool((params[name][masks[name]] != 0).any()), name  # kept weights did train


def test_training_reduces_loss_on_a_learnable_task() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(4, 2))
    x = torch.randn(200, 4)
    y = (x[:, 0] > 0).long()
    before = evaluate(model=model, x=x, y=y)[1]
    train_local(
        model=model,
        x=x,
        y=y,
        masks={},
        generator=torch.Generator().manual_seed(0),
        instruction=Instruction(epochs=20, batch_size=20, lr=0.5),
    )
    acc, after = evaluate(model=model, x=x, y=y)
    assert after < before / 2
    assert acc > 0.95
