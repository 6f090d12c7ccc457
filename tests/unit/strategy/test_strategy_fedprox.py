"""FedProx: the strategy's instructions and the proximal term in local training."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from fedprune.messages import GlobalModel, Instruction
from fedprune.strategy import STRATEGIES, FedAvg, FedProx
from fedprune.training import train_local

INSTR = Instruction(epochs=2, batch_size=8, lr=0.1, momentum=0.5)


def linear(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(4, 3))


def data(n: int = 64) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(1)
    return torch.randn(n, 4, generator=g), torch.randint(0, 3, (n,), generator=g)


def weights(m: nn.Module) -> torch.Tensor:
    return torch.cat([p.detach().flatten() for p in m.parameters()])


def test_fedprox_is_registered_and_puts_mu_in_every_instruction() -> None:
    strategy = FedProx(instruction=INSTR, prox_mu=0.3, lr_decay=0.5)
    model = GlobalModel(params={}, masks={})

    plan = strategy.configure_round(rnd=2, model=model, clients=[1, 4])

    assert STRATEGIES.get("fedprox") is FedProx and isinstance(strategy, FedAvg)
    assert {c: (i.prox_mu, i.lr) for c, i in plan.items()} == {1: (0.3, 0.05), 4: (0.3, 0.05)}


@pytest.mark.parametrize("mu", [0.0, -0.1])
def test_fedprox_rejects_a_non_positive_mu(mu: float) -> None:
    with pytest.raises(ValueError, match="prox_mu must be > 0"):
        FedProx(instruction=INSTR, prox_mu=mu)


def test_the_proximal_gradient_is_mu_times_the_distance_from_the_start() -> None:
    # Two full-batch plain-SGD steps, replayed by hand: w2 = w1 - lr (g(w1) + mu (w1 - w0)).
    x, y = data(16)
    lr, mu = 0.5, 0.7
    model = linear()
    w0 = [p.detach().clone() for p in model.parameters()]
    train_local(
        model=model,
        x=x,
        y=y,
        masks={},
        instruction=Instruction(epochs=2, batch_size=16, lr=lr, prox_mu=mu),
        generator=torch.Generator().manual_seed(0),
    )

    replay = linear()
    for _ in range(2):
        replay.zero_grad()
        nn.functional.cross_entropy(replay(x), y).backward()
        with torch.no_grad():
            for p, start in zip(replay.parameters(), w0, strict=True):
                p -= lr * (p.grad + mu * (p - start))
    torch.testing.assert_close(weights(model), weights(replay), rtol=1e-6, atol=1e-7)


def test_a_huge_mu_keeps_the_weights_near_the_global_model() -> None:
    x, y = data()
    drift = {}
    for mu in (0.0, 10.0):  # lr * mu = 1: each step restarts from w_global
        model = linear()
        start = weights(model)
        train_local(
            model=model,
            x=x,
            y=y,
            masks={},
            instruction=Instruction(epochs=10, batch_size=8, lr=0.1, prox_mu=mu),
            generator=torch.Generator().manual_seed(0),
        )
        drift[mu] = float((weights(model) - start).norm())

    # measured: 1.10 without the term, 0.064 with it
    assert drift[10.0] < 0.15 * drift[0.0]


def test_pruned_weights_stay_exactly_zero_with_the_proximal_term() -> None:
    x, y = data()
    model = linear()
    mask = torch.rand(3, 4, generator=torch.Generator().manual_seed(2)) > 0.5
    with torch.no_grad():
        model[0].weight.mul_(mask)

    train_local(
        model=model,
        x=x,
        y=y,
        masks={"0.weight": mask},
        instruction=Instruction(
            epochs=3, batch_size=8, lr=0.1, momentum=0.9, weight_decay=1e-3, prox_mu=5.0
        ),
        generator=torch.Generator().manual_seed(0),
    )

    assert bool((model[0].weight[~mask] == 0).all())
    assert bool((model[0].weight[mask] != 0).all())
