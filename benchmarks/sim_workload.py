"""The simulator benchmark's workload, written once for the baselines that are not fedprune.

The plain PyTorch loop and the Flower app both train with ``train_client`` below, on the very
client partitions fedprune builds from the same config (``fedprune_overrides``), and evaluate
with fedprune's ``evaluate`` on the same test split, so the three differ only in the simulator.
This module is also the Flower ``ClientApp``'s home: Ray's actors import it by name (the
benchmark puts this folder on their ``PYTHONPATH``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import cache
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

SEED = 0
CLIENTS = 100


@dataclass(frozen=True)
class Recipe:
    """Local training of one client round: ``epochs`` of batch-``batch`` SGD at
    ``lr * lr_decay ** (round - 1)`` with ``momentum`` (a fresh optimiser each round)."""

    epochs: int = 1
    batch: int = 32
    lr: float = 0.05
    lr_decay: float = 1.0
    momentum: float = 0.0

    def lr_at(self, rnd: int) -> float:
        return self.lr * self.lr_decay ** (rnd - 1)

    def to_config(self) -> dict[str, int | float]:
        """As a Flower ``ConfigRecord``'s items (what the server sends each client)."""
        return {f"recipe-{k}": v for k, v in asdict(self).items()}

    @classmethod
    def from_config(cls, config: Any) -> Recipe:
        return cls(
            epochs=int(config["recipe-epochs"]),
            batch=int(config["recipe-batch"]),
            lr=float(config["recipe-lr"]),
            lr_decay=float(config["recipe-lr_decay"]),
            momentum=float(config["recipe-momentum"]),
        )


SPEED = Recipe()  # sim_speed's: one epoch, batch 32, plain SGD at 0.05


def fedprune_overrides(
    *, rounds: int, recipe: Recipe = SPEED, clients_per_round: int = CLIENTS, seed: int = SEED
) -> list[str]:
    """The workload as fedprune config: MNIST-10k, FedAvg CNN, 100 clients on Dirichlet 0.5,
    ``clients_per_round`` sampled each round, ``recipe``'s training, dense fp32 both ways."""
    return [
        f"seed={seed}",
        "data.dataset=mnist10k",
        "data.partition=dirichlet",
        "data.alpha=0.5",
        f"data.num_clients={CLIENTS}",
        f"federation.clients_per_round={clients_per_round}",
        f"federation.rounds={rounds}",
        "model.name=cnn_fedavg",
        f"train.epochs={recipe.epochs}",
        f"train.batch_size={recipe.batch}",
        f"train.lr={recipe.lr}",
        f"train.lr_decay={recipe.lr_decay}",
        f"train.momentum={recipe.momentum}",
        "pruning.mode=none",
    ]


@cache
def workload(seed: int = SEED) -> Any:
    """fedprune's ``Experiment`` for the workload, for its client data and test split."""
    from fedprune.config import build_config
    from fedprune.experiment import Experiment

    overrides = [*fedprune_overrides(rounds=1, seed=seed), "engine.workers=1"]
    return Experiment(config=build_config(overrides=overrides))


def new_model(seed: int = SEED) -> nn.Module:
    from fedprune.models import build_model

    torch.manual_seed(seed)  # as fedprune's Experiment seeds its model
    return build_model(name="cnn_fedavg", input_shape=(1, 28, 28), num_classes=10)


def train_client(
    model: nn.Module, *, rnd: int, cid: int, recipe: Recipe = SPEED, seed: int = SEED
) -> int:
    """One client's local minibatch SGD, as a user would write it; examples seen."""
    data = workload(seed).client_data[cid]
    gen = torch.Generator().manual_seed(
        int(np.random.SeedSequence([seed, rnd, cid]).generate_state(1)[0])
    )
    opt = torch.optim.SGD(model.parameters(), lr=recipe.lr_at(rnd), momentum=recipe.momentum)
    model.train()
    n = int(data.x.shape[0])
    for _ in range(recipe.epochs):
        order = torch.randperm(n, generator=gen)
        for start in range(0, n, recipe.batch):
            idx = order[start : start + recipe.batch]
            opt.zero_grad()
            F.cross_entropy(model(data.x[idx]), data.y[idx]).backward()
            opt.step()
    return n


def evaluate(model: nn.Module, seed: int = SEED) -> float:
    from fedprune.training import evaluate as fedprune_evaluate

    exp = workload(seed)
    return fedprune_evaluate(model=model, x=exp.test_x, y=exp.test_y)[0]


# --- the Flower app (flwr 1.42 Message API) -------------------------------------------------

try:
    from flwr.app import ArrayRecord, Context, Message, MetricRecord, RecordDict
    from flwr.clientapp import ClientApp
except ImportError:  # the Flower baseline needs fedprune[flower]
    client_app = None
else:
    client_app = ClientApp()

    @cache
    def _actor_model() -> nn.Module:
        torch.set_num_threads(1)  # one Ray actor per CPU
        return new_model()

    @client_app.train()
    def _train(msg: Message, context: Context) -> Message:
        model = _actor_model()
        model.load_state_dict(msg.content["arrays"].to_torch_state_dict())
        cid = int(context.node_config["partition-id"])
        config = msg.content["config"]
        recipe = Recipe.from_config(config) if "recipe-epochs" in config else SPEED
        seed = int(config["seed"]) if "seed" in config else SEED
        n = train_client(model, rnd=int(config["server-round"]), cid=cid, recipe=recipe, seed=seed)
        content = RecordDict(
            {
                "arrays": ArrayRecord(model.state_dict()),
                "metrics": MetricRecord({"num-examples": n}),
            }
        )
        return Message(content=content, reply_to=msg)
