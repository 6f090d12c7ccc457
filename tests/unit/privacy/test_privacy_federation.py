"""Central and local DP in a tiny federation: exact pass-through, noise, epsilon reported."""

from __future__ import annotations

import pytest
import torch
from opacus.accountants import RDPAccountant

from fedprune.config import ConfigError, build_config
from fedprune.experiment import Experiment
from fedprune.messages import GlobalModel, Instruction, Update
from fedprune.privacy import Accountant
from fedprune.privacy.local import privatize
from fedprune.strategy.base import privacy_spent
from fedprune.strategy.dp_fedavg import CentralDP
from fedprune.strategy.fedavg import FedAvg

TINY = [
    "data.dataset=digits",
    "model.name=mlp",
    "data.num_clients=6",
    "federation.clients_per_round=3",
    "federation.rounds=3",
    "train.epochs=1",
    "engine.threads=1",
    "pruning.mode=server",
    "pruning.end_round=3",
]


def _model() -> GlobalModel:
    params = {"w": torch.tensor([1.0, 2.0, 0.0]), "b": torch.tensor([0.0])}
    return GlobalModel(params=params, masks={"w": torch.tensor([True, True, False])})


def _update(cid: int, w: list[float], b: float, n: int = 1) -> Update:
    return Update(
        cid=cid,
        num_examples=n,
        params={"w": torch.tensor(w), "b": torch.tensor([b])},
        masks={"w": torch.tensor([True, True, False])},
    )


def _dp(**kw: object) -> CentralDP:
    inner = FedAvg(instruction=Instruction(epochs=1, batch_size=1, lr=0.1))
    options: dict = {
        "inner": inner,
        "clip": 10.0,
        "noise_multiplier": 0.0,
        "expected_clients": 2,
        "sample_rate": 0.5,
        "accountant": Accountant(delta=1e-5),
    }
    return CentralDP(**(options | kw))


def test_without_noise_and_clipping_it_is_the_equal_weight_mean() -> None:
    dp = _dp()
    new = dp.aggregate(
        rnd=1,
        model=_model(),
        updates=[_update(0, [2.0, 2.0, 0.0], 1.0, n=100), _update(1, [0.0, 4.0, 0.0], 3.0)],
    )
    # equal weights despite 100 vs 1 examples: x + mean(delta)
    assert new.params["w"].tolist() == [1.0, 3.0, 0.0]
    assert new.params["b"].tolist() == [2.0]


def test_clipping_bounds_each_clients_influence() -> None:
    dp = _dp(clip=1.0)
    new = dp.aggregate(rnd=1, model=_model(), updates=[_update(0, [101.0, 2.0, 0.0], 0.0)])
    # delta (100, 0, 0, 0) clipped to norm 1, divided by the 2 expected clients
    assert new.params["w"].tolist() == pytest.approx([1.5, 2.0, 0.0])
    assert dp.last["clipped_fraction"] == 1.0


def test_noise_spares_pruned_entries_and_epsilon_is_accounted() -> None:
    dp = _dp(noise_multiplier=1.0)
    new = dp.aggregate(rnd=1, model=_model(), updates=[_update(0, [1.0, 2.0, 0.0], 0.0)])
    assert new.params["w"][2].item() == 0.0
    assert new.params["w"][0].item() != 1.0
    ref = RDPAccountant()
    ref.step(noise_multiplier=1.0, sample_rate=0.5)
    assert dp.epsilon == pytest.approx(ref.get_epsilon(delta=1e-5))


def test_adaptive_clipping_shrinks_a_loose_bound() -> None:
    dp = _dp(noise_multiplier=1.0, adaptive=True, clip=100.0, count_noise=1.0)
    for rnd in range(1, 6):
        dp.aggregate(rnd=rnd, model=_model(), updates=[_update(0, [1.5, 2.0, 0.0], 0.0)] * 2)
    assert dp.clip < 100.0


def test_local_privatize_clips_noises_and_keeps_pruned_zero() -> None:
    received = {"w": torch.tensor([1.0, 2.0, 0.0])}
    trained = {"w": torch.tensor([11.0, 2.0, 0.0])}
    masks = {"w": torch.tensor([True, True, False])}
    gen = torch.Generator().manual_seed(0)
    quiet = privatize(
        trained=trained,
        received=received,
        masks=masks,
        clip=1.0,
        noise_multiplier=0.0,
        generator=gen,
    )
    assert quiet["w"].tolist() == pytest.approx([2.0, 2.0, 0.0])
    noisy = privatize(
        trained=trained,
        received=received,
        masks=masks,
        clip=1.0,
        noise_multiplier=1.0,
        generator=gen,
    )
    assert noisy["w"][2].item() == 0.0 and noisy["w"][1].item() != 2.0


@pytest.mark.parametrize("mode", ["central", "local"])
def test_tiny_federation_reports_opacus_epsilon(mode: str) -> None:
    cfg = build_config(overrides=[*TINY, f"privacy.mode={mode}", "privacy.noise_multiplier=1.0"])
    exp = Experiment(config=cfg)
    result = exp.run()

    ref = RDPAccountant()
    for _ in range(3):
        ref.step(noise_multiplier=1.0, sample_rate=0.5)
    assert privacy_spent(exp.strategy) == pytest.approx(ref.get_epsilon(delta=1e-5))
    assert result.summary["rejected_updates"] == 0
    model = result.model
    assert model is not None
    for name, mask in model.masks.items():
        assert bool((model.params[name][~mask] == 0).all())


def test_private_client_masks_need_consent() -> None:
    with pytest.raises(ConfigError, match="allow_private_masks"):
        build_config(overrides=["privacy.mode=central", "pruning.mode=client"])
    build_config(
        overrides=[
            "privacy.mode=central",
            "pruning.mode=client",
            "privacy.allow_private_masks=true",
        ]
    )


def test_central_dp_resumes_with_its_clip_and_accountant() -> None:
    dp = _dp(noise_multiplier=1.0, adaptive=True, clip=100.0, count_noise=1.0)
    for rnd in range(1, 4):
        dp.aggregate(rnd=rnd, model=_model(), updates=[_update(0, [1.5, 2.0, 0.0], 0.0)])
    restored = _dp(noise_multiplier=1.0, adaptive=True, clip=100.0, count_noise=1.0)
    restored.load_state_dict(dp.state_dict())

    assert restored.clip == dp.clip != 100.0
    assert restored.epsilon == dp.epsilon
    one = dp.aggregate(rnd=4, model=_model(), updates=[_update(0, [1.5, 2.0, 0.0], 0.0)])
    two = restored.aggregate(rnd=4, model=_model(), updates=[_update(0, [1.5, 2.0, 0.0], 0.0)])
    assert torch.equal(one.params["w"], two.params["w"])
    assert restored.epsilon == dp.epsilon


def test_adaptive_clipping_config_checks_the_noise_split() -> None:
    with pytest.raises(ConfigError, match="count_noise"):
        build_config(
            overrides=[
                "privacy.mode=central",
                "pruning.mode=server",
                "privacy.adaptive_clip=true",
                "privacy.count_noise=0.5",
            ]
        )
    # the default count noise is valid for any noise multiplier
    cfg = build_config(
        overrides=[
            *TINY,
            "privacy.mode=central",
            "privacy.adaptive_clip=true",
            "federation.rounds=1",
        ]
    )
    assert Experiment(config=cfg).run().summary["epsilon"] > 0
