"""Clipping, masked noise and adaptive clipping on exact numbers and measured statistics."""

from __future__ import annotations

import math

import pytest
import torch

from fedprune.privacy import (
    add_gaussian_noise,
    clip_update,
    update_clip_bound,
    update_noise_multiplier,
    update_norm,
)


def test_update_norm_spans_all_tensors() -> None:
    assert update_norm({"a": torch.tensor([3.0]), "b": torch.tensor([[4.0]])}) == 5.0


def test_clip_scales_only_updates_above_the_bound() -> None:
    big = {"a": torch.tensor([3.0]), "b": torch.tensor([4.0])}
    clipped, norm = clip_update(delta=big, bound=1.0)
    assert norm == 5.0
    assert clipped["a"].item() == pytest.approx(0.6)
    assert clipped["b"].item() == pytest.approx(0.8)
    small, norm = clip_update(delta={"a": torch.tensor([0.5])}, bound=1.0)
    assert norm == 0.5 and small["a"].item() == 0.5
    with pytest.raises(ValueError, match="clip bound"):
        clip_update(delta=big, bound=0.0)


def test_noise_has_the_requested_std_and_spares_pruned_coordinates() -> None:
    t = {"w": torch.zeros(200_000)}
    mask = {"w": torch.arange(200_000) % 4 != 0}  # a quarter pruned
    out = add_gaussian_noise(
        tensors=t, std=0.5, generator=torch.Generator().manual_seed(0), masks=mask
    )["w"]

    assert bool((out[~mask["w"]] == 0).all())
    kept = out[mask["w"]].double()
    # 150k samples: the std estimate is within 1 % (about 5 standard errors)
    assert kept.std().item() == pytest.approx(0.5, rel=0.01)
    assert abs(kept.mean().item()) < 5 * 0.5 / math.sqrt(kept.numel())


def test_noise_is_reproducible_from_the_generator() -> None:
    t = {"b": torch.zeros(3), "a": torch.zeros(2)}
    one = add_gaussian_noise(tensors=t, std=1.0, generator=torch.Generator().manual_seed(7))
    two = add_gaussian_noise(tensors=t, std=1.0, generator=torch.Generator().manual_seed(7))
    assert all(torch.equal(one[n], two[n]) for n in t)


def test_adaptive_clip_moves_the_bound_towards_the_quantile() -> None:
    # everyone under the bound (b = 1 > gamma = 0.5): shrink by exp(-0.2 * 0.5)
    assert update_clip_bound(
        bound=2.0, noisy_fraction=1.0, target_quantile=0.5, lr=0.2
    ) == pytest.approx(2.0 * math.exp(-0.1))
    assert update_clip_bound(
        bound=2.0, noisy_fraction=0.0, target_quantile=0.5, lr=0.2
    ) == pytest.approx(2.0 * math.exp(0.1))


def test_noise_split_keeps_the_pair_as_private_as_one_query() -> None:
    z = update_noise_multiplier(noise_multiplier=1.0, count_noise=5.0)
    # Theorem 1 of Andrew et al.: z^-2 = z_delta^-2 + (2 sigma_b)^-2
    assert z**-2 + (2 * 5.0) ** -2 == pytest.approx(1.0)
    assert update_noise_multiplier(noise_multiplier=1.0, count_noise=0) == 1.0
    with pytest.raises(ValueError, match="count_noise"):
        update_noise_multiplier(noise_multiplier=1.0, count_noise=0.4)
