"""Random scores: uniform, reproducible from the generator's seed."""

from __future__ import annotations

import pytest
import torch

from fedprune.prune.criteria import CRITERIA

PARAMS = {"a": torch.ones(3, 4), "b": torch.ones(5)}


def scores(seed: int) -> dict[str, torch.Tensor]:
    return CRITERIA.get("random")()(params=PARAMS, generator=torch.Generator().manual_seed(seed))


def test_the_same_seed_gives_the_same_scores() -> None:
    first, again = scores(7), scores(7)

    for n in PARAMS:
        assert torch.equal(first[n], again[n])


def test_another_seed_gives_other_scores() -> None:
    first, other = scores(7), scores(8)

    assert not torch.equal(first["a"], other["a"])


def test_scores_are_uniform_in_the_unit_interval_and_shaped_like_the_weights() -> None:
    s = scores(0)

    assert {n: t.shape for n, t in s.items()} == {n: t.shape for n, t in PARAMS.items()}
    assert all(bool(((t >= 0) & (t < 1)).all()) for t in s.values())
    assert len(torch.cat([t.reshape(-1) for t in s.values()]).unique()) == 17


def test_without_a_generator_random_refuses() -> None:
    with pytest.raises(ValueError, match="Generator"):
        CRITERIA.get("random")()(params=PARAMS)
