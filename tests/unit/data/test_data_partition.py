"""Tests for the partitioners, their registry and make_partitioner."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fedprune.data.partition import (
    PARTITIONERS,
    DirichletPartitioner,
    IIDPartitioner,
    Partitioner,
    ShardsPartitioner,
    make_partitioner,
)

# One instance per registered name; min_size=0 so no random label array can exhaust retries.
EXAMPLES: dict[str, Partitioner] = {
    "iid": IIDPartitioner(),
    "dirichlet": DirichletPartitioner(alpha=0.5, min_size=0),
    "shards": ShardsPartitioner(classes_per_client=2),
}


def _shards_feasible(labels: np.ndarray, num_clients: int, k: int) -> bool:
    return len(np.unique(labels)) <= num_clients * k <= len(labels)


def test_examples_cover_every_registered_partitioner():
    # natural needs per-sample groups; test_data_cifar10_femnist.py covers it
    assert sorted([*EXAMPLES, "natural"]) == PARTITIONERS.names()


@settings(max_examples=60, deadline=None)
@given(
    labels=st.lists(st.integers(min_value=0, max_value=9), min_size=1, max_size=150).map(np.array),
    client_fraction=st.floats(min_value=0.0, max_value=1.0),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    name=st.sampled_from(sorted(EXAMPLES)),
)
def test_every_sample_is_assigned_exactly_once(labels, client_fraction, seed, name):
    num_clients = 1 + round(client_fraction * (len(labels) - 1))
    partitioner = EXAMPLES[name]
    if name == "shards" and not _shards_feasible(labels, num_clients, 2):
        with pytest.raises(ValueError, match="shards must lie between"):
            partitioner.partition(
                labels=labels, num_clients=num_clients, rng=np.random.default_rng(seed)
            )
        return

    parts = partitioner.partition(
        labels=labels, num_clients=num_clients, rng=np.random.default_rng(seed)
    )

    assert len(parts) == num_clients
    assert all(part.dtype == np.int64 for part in parts)
    np.testing.assert_array_equal(np.sort(np.concatenate(parts)), np.arange(len(labels)))


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_same_seed_gives_same_partition_and_other_seed_differs(name):
    labels = np.repeat(np.arange(10), 50)
    partitioner = EXAMPLES[name]

    first = partitioner.partition(labels=labels, num_clients=7, rng=np.random.default_rng(3))
    again = partitioner.partition(labels=labels, num_clients=7, rng=np.random.default_rng(3))
    other = partitioner.partition(labels=labels, num_clients=7, rng=np.random.default_rng(4))

    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert not all(np.array_equal(a, b) for a, b in zip(first, other, strict=True))


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_more_clients_than_samples_is_rejected(name):
    labels = np.array([0, 1, 2])

    with pytest.raises(ValueError, match="num_clients"):
        EXAMPLES[name].partition(labels=labels, num_clients=4, rng=np.random.default_rng(0))


@pytest.mark.parametrize("num_clients", [0, -1])
def test_non_positive_client_count_is_rejected(num_clients):
    with pytest.raises(ValueError, match="num_clients must be >= 1"):
        IIDPartitioner().partition(
            labels=np.zeros(5, dtype=np.int64),
            num_clients=num_clients,
            rng=np.random.default_rng(0),
        )


def test_iid_client_sizes_differ_by_at_most_one():
    labels = np.zeros(103, dtype=np.int64)

    parts = IIDPartitioner().partition(labels=labels, num_clients=10, rng=np.random.default_rng(0))

    assert sorted(len(p) for p in parts) == [10] * 7 + [11] * 3


def _mean_label_skew(*, alpha: float, seed: int) -> float:
    """Mean total-variation distance between each client's label mix and the global one."""
    labels = np.repeat(np.arange(10), 100)
    parts = DirichletPartitioner(alpha=alpha, min_size=0).partition(
        labels=labels, num_clients=10, rng=np.random.default_rng(seed)
    )
    distances = [
        0.5 * np.abs(np.bincount(labels[p], minlength=10) / len(p) - 0.1).sum()
        for p in parts
        if len(p)
    ]
    return float(np.mean(distances))


def test_dirichlet_small_alpha_is_more_skewed_than_large_alpha():
    # Measured over seeds 0-9: alpha=0.1 gives 0.69-0.75, alpha=1 gives 0.33-0.41,
    # alpha=100 gives 0.03-0.04 (IID would give about 0).
    seeds = range(10)

    small = [_mean_label_skew(alpha=0.1, seed=s) for s in seeds]
    middle = [_mean_label_skew(alpha=1.0, seed=s) for s in seeds]
    large = [_mean_label_skew(alpha=100.0, seed=s) for s in seeds]

    assert min(small) > 0.6
    assert 0.25 < float(np.mean(middle)) < 0.5
    assert max(large) < 0.1


def test_dirichlet_resamples_until_every_client_has_min_size():
    labels = np.repeat(np.arange(10), 100)
    # With min_size=0 this seed's first draw leaves a client with 5 samples.
    unconstrained = DirichletPartitioner(alpha=0.05, min_size=0).partition(
        labels=labels, num_clients=20, rng=np.random.default_rng(0)
    )

    parts = DirichletPartitioner(alpha=0.05, min_size=10).partition(
        labels=labels, num_clients=20, rng=np.random.default_rng(0)
    )

    assert min(len(p) for p in unconstrained) < 10
    assert min(len(p) for p in parts) >= 10


def test_dirichlet_gives_up_after_max_retries():
    labels = np.repeat(np.arange(10), 100)
    partitioner = DirichletPartitioner(alpha=0.01, min_size=45, max_retries=3)

    with pytest.raises(ValueError, match="max_retries=3"):
        partitioner.partition(labels=labels, num_clients=20, rng=np.random.default_rng(0))


def test_dirichlet_rejects_impossible_min_size_up_front():
    with pytest.raises(ValueError, match="min_size=6 is impossible"):
        DirichletPartitioner(alpha=1.0, min_size=6).partition(
            labels=np.zeros(10, dtype=np.int64), num_clients=2, rng=np.random.default_rng(0)
        )


@settings(max_examples=40, deadline=None)
@given(
    labels=st.lists(st.integers(min_value=0, max_value=5), min_size=20, max_size=120).map(np.array),
    k=st.integers(min_value=1, max_value=4),
    num_clients=st.integers(min_value=2, max_value=20),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_shards_give_each_client_at_most_k_classes(labels, k, num_clients, seed):
    if not _shards_feasible(labels, num_clients, k):
        return

    parts = ShardsPartitioner(classes_per_client=k).partition(
        labels=labels, num_clients=num_clients, rng=np.random.default_rng(seed)
    )

    assert max(len(np.unique(labels[p])) for p in parts) <= k


def test_shards_split_mnist_like_labels_into_equal_two_class_clients():
    labels = np.repeat(np.arange(10), 600)

    parts = ShardsPartitioner(classes_per_client=2).partition(
        labels=labels, num_clients=100, rng=np.random.default_rng(0)
    )

    assert {len(p) for p in parts} == {60}
    assert max(len(np.unique(labels[p])) for p in parts) == 2


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("dirichlet", {"alpha": 0.0}, "alpha must be a finite float > 0"),
        ("dirichlet", {"alpha": float("inf")}, "alpha must be a finite float > 0"),
        ("dirichlet", {"alpha": 1.0, "min_size": -1}, "min_size must be an int >= 0"),
        ("dirichlet", {"alpha": 1.0, "max_retries": 0}, "max_retries must be an int >= 1"),
        ("shards", {"classes_per_client": 0}, "classes_per_client must be an int >= 1"),
        ("shards", {"classes_per_client": 1.5}, "classes_per_client must be an int >= 1"),
        ("dirichlet", {"alpah": 1.0}, r"unknown parameters \['alpah'\].*missing.*\['alpha'\]"),
        (
            "iid",
            {"alpha": 1.0},
            r"unknown parameters \['alpha'\], missing parameters \[\]; allowed: none",
        ),
        ("shards", {}, r"missing parameters \['classes_per_client'\]"),
        ("nope", {}, "unknown partitioner 'nope'; allowed: dirichlet, iid, natural, shards"),
    ],
)
def test_make_partitioner_rejects_bad_names_and_params(name, params, message):
    with pytest.raises(ValueError, match=message):
        make_partitioner(name=name, **params)


def test_make_partitioner_builds_the_registered_class():
    partitioner = make_partitioner(name="dirichlet", alpha=0.3, min_size=2)

    assert partitioner == DirichletPartitioner(alpha=0.3, min_size=2)
