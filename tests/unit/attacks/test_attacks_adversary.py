"""Who is malicious (from the seed alone) and how an attack is built from its options."""

from __future__ import annotations

import pytest
import torch

from fedprune.attacks import (
    ATTACKS,
    HONEST,
    attack_generator,
    attack_options,
    make_adversary,
    malicious_clients,
)


def test_malicious_clients_are_a_seeded_draw_of_the_right_size() -> None:
    chosen = malicious_clients(num_clients=100, fraction=0.2, seed=0)

    assert len(chosen) == 20 and all(0 <= c < 100 for c in chosen)
    assert chosen == malicious_clients(num_clients=100, fraction=0.2, seed=0)
    assert chosen != malicious_clients(num_clients=100, fraction=0.2, seed=1)


@pytest.mark.parametrize(
    ("n", "fraction", "count"), [(6, 0.0, 0), (6, 0.01, 1), (6, 0.3, 2), (6, 1.0, 6), (3, 0.5, 2)]
)
def test_counts_round_and_any_fraction_makes_one_attacker(
    n: int, fraction: float, count: int
) -> None:
    assert len(malicious_clients(num_clients=n, fraction=fraction, seed=3)) == count


def test_the_adversary_runs_its_attack_only_on_its_clients() -> None:
    adv = make_adversary(
        kind="scale",
        fraction=0.5,
        options={"scale": 3.0, "std": None},
        num_clients=4,
        num_classes=10,
        seed=0,
    )

    assert len(adv.clients) == 2
    for cid in range(4):
        attack = adv.attack_of(cid)
        assert attack is (adv.attack if cid in adv.clients else HONEST)
    assert adv.attack.scale == 3.0  # type: ignore[attr-defined]


def test_context_goes_to_the_attacks_that_declare_it() -> None:
    adv = make_adversary(
        kind="label_flip", fraction=0.5, options={}, num_clients=4, num_classes=7, seed=0
    )

    assert adv.attack.num_classes == 7  # type: ignore[attr-defined]
    assert attack_options(ATTACKS.get("label_flip")) == ()
    assert attack_options(ATTACKS.get("backdoor")) == ("target", "poison_fraction")


def test_an_option_the_attack_does_not_take_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"attack 'nan' does not take \['scale'\]"):
        make_adversary(
            kind="nan", fraction=0.5, options={"scale": 2.0}, num_clients=4, num_classes=10, seed=0
        )


def test_attack_draws_are_per_round_and_client_and_apart_from_trainings() -> None:
    a = attack_generator(seed=0, rnd=1, cid=2)
    same = attack_generator(seed=0, rnd=1, cid=2)
    other = attack_generator(seed=0, rnd=2, cid=2)

    first = torch.rand(3, generator=a)
    assert torch.equal(first, torch.rand(3, generator=same))
    assert not torch.equal(first, torch.rand(3, generator=other))
