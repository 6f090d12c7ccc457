"""A two-worker silo takes the same masked SGD steps as single-process training."""

import copy

import pytest
import torch
from torch import nn

from fedprune.messages import Instruction
from fedprune.silo import check_data_parallel, train_data_parallel
from fedprune.training import train_local

# 33 examples in batches of 8 leave a last batch of one: worker 1's shard of it is empty
N, BATCH = 33, 8
INSTR = Instruction(
    epochs=2, batch_size=BATCH, lr=0.1, momentum=0.9, weight_decay=1e-3, prox_mu=0.05
)
# measured max |difference| over all weights, generator seeds 1, 2, 3, 7: 3e-8 to 6e-8
# (float32 sums in another order), so 5x the worst
TOLERANCE = 3e-7


def _setup() -> tuple[nn.Module, torch.Tensor, torch.Tensor, dict[str, torch.Tensor]]:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 3))
    masks = {
        "0.weight": torch.rand(16, 6) > 0.5,
        "2.weight": torch.rand(3, 16) > 0.3,
    }
    params = dict(model.named_parameters())
    with torch.no_grad():
        for n, m in masks.items():
            params[n].mul_(m)
    return model, torch.randn(N, 6), torch.randint(0, 3, (N,)), masks


def test_two_workers_match_train_local_and_keep_pruned_weights_zero() -> None:
    model, x, y, masks = _setup()
    single, parallel = copy.deepcopy(model), copy.deepcopy(model)
    gen_single, gen_parallel = torch.Generator().manual_seed(7), torch.Generator().manual_seed(7)

    expected = train_local(
        model=single, x=x, y=y, masks=masks, instruction=INSTR, generator=gen_single
    )
    got = train_data_parallel(
        model=parallel,
        x=x,
        y=y,
        masks=masks,
        instruction=INSTR,
        generator=gen_parallel,
        workers=2,
    )

    want, have = single.state_dict(), parallel.state_dict()
    diff = max(float((want[k] - have[k]).abs().max()) for k in want)
    assert diff < TOLERANCE
    assert got["train_loss"] == pytest.approx(expected["train_loss"], rel=1e-5)
    assert float((have["0.weight"] - model.state_dict()["0.weight"]).abs().max()) > 1e-3
    for name, m in masks.items():
        assert bool((have[name][~m] == 0).all()), name
    assert torch.equal(gen_parallel.get_state(), gen_single.get_state())


@pytest.mark.parametrize(
    ("workers", "backend", "instruction", "field"),
    [
        (0, "gloo", INSTR, "workers"),
        (2, "mpi", INSTR, "backend"),
        (2, "gloo", Instruction(epochs=1, batch_size=8, lr=0.1, adversarial="fgsm"), "adversarial"),
    ],
)
def test_unsupported_settings_are_refused_before_spawning(
    workers: int, backend: str, instruction: Instruction, field: str
) -> None:
    with pytest.raises(ValueError, match=field):
        check_data_parallel(
            model=nn.Linear(2, 2), n=8, instruction=instruction, workers=workers, backend=backend
        )


def test_batchnorm_shards_of_one_are_refused() -> None:
    model = nn.Sequential(nn.Linear(2, 4), nn.BatchNorm1d(4))
    instr = Instruction(epochs=1, batch_size=3, lr=0.1)

    check_data_parallel(model=model, n=12, instruction=instr, workers=1, backend="gloo")
    with pytest.raises(ValueError, match="BatchNorm"):
        check_data_parallel(model=model, n=12, instruction=instr, workers=2, backend="gloo")


def test_a_federation_with_two_worker_silos_matches_single_process_clients() -> None:
    from fedprune.config import build_config
    from fedprune.experiment import Experiment

    base = [
        "data.dataset=digits",
        "model.name=mlp",
        "data.num_clients=2",
        "federation.clients_per_round=2",
        "federation.rounds=1",
        "train.epochs=1",
        "train.batch_size=32",
        "engine.threads=1",
        "pruning.mode=server",
        "pruning.target=0.5",
        "pruning.schedule=oneshot",
    ]
    one = Experiment(config=build_config(overrides=base)).run()
    two = Experiment(config=build_config(overrides=[*base, "train.silo_workers=2"])).run()

    assert one.model is not None and two.model is not None
    diff = max(
        float((one.model.params[n] - two.model.params[n]).abs().max()) for n in one.model.params
    )
    assert diff < 1e-6
    assert two.summary["failed_clients"] == 0
