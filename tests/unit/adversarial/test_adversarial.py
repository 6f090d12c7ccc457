"""FGSM and PGD examples, adversarial batches, and robust accuracy in a federation."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from fedprune.adversarial import ADVERSARIES, robust_accuracy
from fedprune.config import build_config
from fedprune.experiment import Experiment
from fedprune.messages import Instruction
from fedprune.training import _mix_adversarial


def _linear() -> nn.Module:
    model = nn.Linear(2, 2, bias=False)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[1.0, -2.0], [0.0, 0.0]]))
    return model


def test_fgsm_steps_along_the_sign_of_the_input_gradient() -> None:
    # logits (x0 - 2 x1, 0), label 0: the loss rises as x0 falls and x1 rises
    x = torch.tensor([[0.5, 0.5]])
    adv = ADVERSARIES.get("fgsm")(model=_linear(), x=x, y=torch.tensor([0]), eps=0.1, steps=1)
    assert torch.allclose(adv, torch.tensor([[0.4, 0.6]]))
    # clamped to the valid input range
    edge = torch.tensor([[0.05, 0.97]])
    adv = ADVERSARIES.get("fgsm")(model=_linear(), x=edge, y=torch.tensor([0]), eps=0.1, steps=1)
    assert torch.allclose(adv, torch.tensor([[0.0, 1.0]]))


def test_pgd_stays_in_the_ball_and_raises_the_loss() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3))
    x, y = torch.rand(64, 8), torch.randint(0, 3, (64,))
    adv = ADVERSARIES.get("pgd")(model=model, x=x, y=y, eps=0.05, steps=5)

    assert float((adv - x).abs().max()) <= 0.05 + 1e-6
    assert float(adv.min()) >= 0 and float(adv.max()) <= 1
    with torch.no_grad():
        assert F.cross_entropy(model(adv), y) > F.cross_entropy(model(x), y)
    again = ADVERSARIES.get("pgd")(model=model, x=x, y=y, eps=0.05, steps=5)
    assert torch.equal(adv, again)
    assert model.training  # the mode is restored


def test_adversarial_batch_replaces_only_the_requested_share() -> None:
    x = torch.full((4, 2), 0.5)
    instr = Instruction(
        epochs=1, batch_size=4, lr=0.1, adversarial="fgsm", adv_eps=0.1, adv_fraction=0.5
    )
    mixed = _mix_adversarial(_linear(), x, torch.zeros(4, dtype=torch.long), instr)
    assert torch.allclose(mixed[:2], torch.tensor([[0.4, 0.6]] * 2))
    assert torch.equal(mixed[2:], x[2:])


def test_adversarially_trained_federation_reports_and_gains_robust_accuracy() -> None:
    base = [
        "data.dataset=digits",
        "model.name=mlp",
        "data.num_clients=4",
        "data.partition=iid",
        "federation.clients_per_round=4",
        "federation.rounds=4",
        "train.epochs=2",
        "engine.threads=1",
        "pruning.mode=server",
        "pruning.end_round=3",
        "pruning.target=0.5",
    ]
    adv_exp = Experiment(
        config=build_config(
            overrides=[*base, "train.adversarial=fgsm", "train.adv_eps=0.1", "train.adv_fraction=1"]
        )
    )
    adv = adv_exp.run()
    clean_exp = Experiment(config=build_config(overrides=base))
    clean_exp.run()

    assert all(r["robust_accuracy"] is not None for r in adv.rounds)
    assert adv.summary["final_robust_accuracy"] == adv.rounds[-1]["robust_accuracy"]
    n = min(500, len(clean_exp.test_y))
    clean_robust = robust_accuracy(
        model=clean_exp.model,
        x=clean_exp.test_x[:n],
        y=clean_exp.test_y[:n],
        attack="fgsm",
        eps=0.1,
        steps=1,
    )
    assert adv.summary["final_robust_accuracy"] > clean_robust + 0.05, (
        adv.summary["final_robust_accuracy"],
        clean_robust,
    )
