"""Edge simulation: tiers, availability, the time model, dropouts and the deadline."""

from __future__ import annotations

import pytest

from fedprune.config import ConfigError, EdgeConfig, EdgeTier, build_config
from fedprune.edge import (
    EdgeModel,
    Outcome,
    assign_tiers,
    available_clients,
    client_seconds,
    round_seconds,
)
from fedprune.experiment import Experiment

TIER = EdgeTier(share=1.0, macs_per_second=1e6, up_bytes_per_second=100, down_bytes_per_second=1000)


def test_client_seconds_follow_the_time_model() -> None:
    # 2000 B down at 1000 B/s + 3 * 1000 MACs * 10 examples * 2 epochs at 1e6 + 500 B up at 100
    secs = client_seconds(
        tier=TIER, down_bytes=2000, up_bytes=500, examples=10, epochs=2, macs_per_example=1000
    )
    assert secs == pytest.approx(2.0 + 0.06 + 5.0)


def test_tiers_follow_their_shares_and_the_seed() -> None:
    tiers = [TIER.model_copy(update={"share": 0.25}), TIER.model_copy(update={"share": 0.75})]
    drawn = assign_tiers(num_clients=4000, tiers=tiers, seed=3)
    assert (drawn == 0).mean() == pytest.approx(0.25, abs=0.03)
    assert (assign_tiers(num_clients=4000, tiers=tiers, seed=3) == drawn).all()


def test_availability_is_seeded_per_round() -> None:
    a = available_clients(num_clients=1000, availability=0.3, seed=0, rnd=1)
    assert len(a) == pytest.approx(300, abs=45)
    assert a == available_clients(num_clients=1000, availability=0.3, seed=0, rnd=1)
    assert a != available_clients(num_clients=1000, availability=0.3, seed=0, rnd=2)


def test_deadline_and_dropout_outcomes() -> None:
    cfg = EdgeConfig(enabled=True, deadline=3.0, tiers=[TIER])
    edge = EdgeModel(config=cfg, num_clients=3, seed=0)
    out = edge.outcomes(
        rnd=1,
        clients=[0, 1],
        down_bytes=1000,
        up_bytes=[100, 1000],
        examples=[1, 1],
        epochs=1,
        macs_per_example=0,
    )
    assert out[0] == Outcome(seconds=2.0)
    assert out[1].failure is not None and out[1].failure.startswith("missed the deadline")
    # the server waited for the deadline
    assert round_seconds(outcomes=out, deadline=3.0) == 3.0
    assert round_seconds(outcomes={0: out[0]}, deadline=3.0) == 2.0
    assert round_seconds(outcomes={}, deadline=None) == 0.0


def test_tier_shares_must_sum_to_one() -> None:
    with pytest.raises(ConfigError, match="sum to 1"):
        build_config(
            overrides=[
                "edge.enabled=true",
                "edge.tiers=[{share: 0.5, macs_per_second: 1.0e+9, up_bytes_per_second: 1.0e+5, "
                "down_bytes_per_second: 1.0e+6}]",
            ]
        )


def test_federation_reports_simulated_time_and_loses_stragglers() -> None:
    base = [
        "data.dataset=digits",
        "model.name=cnn",
        "data.num_clients=8",
        "federation.clients_per_round=4",
        "federation.rounds=2",
        "train.epochs=1",
        "engine.threads=1",
        "pruning.mode=none",
        "edge.enabled=true",
    ]
    free = Experiment(config=build_config(overrides=base)).run()
    rows = free.rounds
    assert all(r["sim_seconds"] > 0 for r in rows)
    assert rows[1]["sim_seconds_total"] == pytest.approx(
        rows[0]["sim_seconds"] + rows[1]["sim_seconds"]
    )
    assert free.summary["failed_clients"] == 0

    # a deadline below every client's time: every update is lost, rounds are skipped
    cut = Experiment(config=build_config(overrides=[*base, "edge.deadline=0.001"])).run()
    assert cut.summary["failed_clients"] == 8
    assert all(r["sim_seconds"] == pytest.approx(0.001) for r in cut.rounds)
    assert all(r["bytes_up"] == 0 for r in cut.rounds)

    # half the clients offline: rounds sample among the online ones only
    sparse = Experiment(config=build_config(overrides=[*base, "edge.availability=0.3"]))
    for rnd in (1, 2):
        assert set(sparse.sample_clients(rnd)) <= set(sparse.edge.online(rnd))  # type: ignore[union-attr]
