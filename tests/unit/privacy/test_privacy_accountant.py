"""The accountant reports Opacus' epsilon and round-trips its history."""

from __future__ import annotations

import pytest
from opacus.accountants import PRVAccountant, RDPAccountant

from fedprune.privacy import Accountant


@pytest.mark.parametrize(("name", "reference"), [("rdp", RDPAccountant), ("prv", PRVAccountant)])
def test_epsilon_equals_opacus_for_the_same_steps(name: str, reference: type) -> None:
    ours = Accountant(name=name, delta=1e-5)
    theirs = reference()
    for _ in range(20):
        ours.step(noise_multiplier=1.1, sample_rate=0.1)
        theirs.step(noise_multiplier=1.1, sample_rate=0.1)

    assert ours.epsilon() == pytest.approx(theirs.get_epsilon(delta=1e-5), rel=1e-9)
    assert ours.epsilon() > 0


def test_no_step_spends_nothing_and_state_round_trips() -> None:
    acc = Accountant(name="rdp", delta=1e-5)
    assert acc.epsilon() == 0.0
    for _ in range(5):
        acc.step(noise_multiplier=1.0, sample_rate=0.2)
    copy = Accountant(name="rdp", delta=1e-5)
    copy.load_state_dict(acc.state_dict())
    assert copy.epsilon() == acc.epsilon()
    with pytest.raises(ValueError, match="'prv'"):
        Accountant(name="prv", delta=1e-5).load_state_dict(acc.state_dict())
    with pytest.raises(ValueError, match="delta"):
        Accountant(name="rdp", delta=0.0)
