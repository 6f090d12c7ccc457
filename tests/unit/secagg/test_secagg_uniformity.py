"""A single masked update looks uniform over the ring, whatever the input (fixed seeds).

The check: chi-square tests of the low byte and the top byte (256 bins each) and of the
balance of every bit position, Bonferroni-combined at level ALPHA. Its false-positive rate on
truly uniform vectors is measured here too (1000 fixed seeds), so a masked update failing it
is a real defect, not bad luck.
"""

from __future__ import annotations

import random

import numpy as np
import pytest
from scipy.stats import chi2

from fedprune.secagg import FixedPoint, Session
from fedprune.secagg.fixed_point import ring_dtype
from fedprune.secagg.messages import parse

ALPHA = 1e-3
LENGTH = 1 << 15


def looks_uniform(v: np.ndarray, *, bits: int) -> bool:
    """Whether ring elements ``v`` pass all three tests at overall level ALPHA."""
    v = v.astype(np.uint64)
    low = (v & np.uint64(0xFF)).astype(np.int64)
    high = (v >> np.uint64(bits - 8)).astype(np.int64)
    pvalues = [_chisquare(np.bincount(b, minlength=256)) for b in (low, high)]
    ones = np.array([int(((v >> np.uint64(i)) & np.uint64(1)).sum()) for i in range(bits)])
    n = len(v)
    pvalues.append(float(chi2.sf(((ones - n / 2) ** 2 / (n / 4)).sum(), df=bits)))
    return min(pvalues) >= ALPHA / len(pvalues)


def _chisquare(counts: np.ndarray) -> float:
    expected = counts.sum() / len(counts)
    return float(chi2.sf(((counts - expected) ** 2 / expected).sum(), df=len(counts) - 1))


def _masked(x: np.ndarray, *, bits: int, seed: int, clients: int = 3) -> np.ndarray:
    session = Session(
        clients=list(range(clients)),
        threshold=min(2, clients),
        bits=bits,
        randbytes=random.Random(seed).randbytes,
    )
    session.setup()
    return parse(session.masked_input(0, x)).vector  # type: ignore[attr-defined]


def test_false_positive_rate_on_uniform_data_is_about_alpha() -> None:
    rng = np.random.default_rng(2024)
    rejected = sum(
        not looks_uniform(rng.integers(0, 2**64, LENGTH, dtype=np.uint64), bits=64)
        for _ in range(1000)
    )
    # measured with these seeds: 1 of 1000 (ALPHA = 0.001); a miscalibrated check lands far off
    assert rejected <= 5


@pytest.mark.parametrize("bits", [32, 64])
def test_the_check_rejects_a_structured_input(bits: int) -> None:
    fp = FixedPoint.for_sum(bits=bits, clip=1.0, total_weight=100)
    x = fp.encode(np.random.default_rng(0).normal(0, 0.1, LENGTH))
    assert not looks_uniform(x, bits=bits)
    # a mask covering only the low half of the bits is not enough either
    half = np.random.default_rng(1).integers(0, 2 ** (bits // 2), LENGTH, dtype=np.uint64)
    assert not looks_uniform(x + half.astype(ring_dtype(bits)), bits=bits)


@pytest.mark.parametrize("bits", [32, 64])
@pytest.mark.parametrize("kind", ["zeros", "constant", "gaussian"])
def test_masked_updates_look_uniform(bits: int, kind: str) -> None:
    fp = FixedPoint.for_sum(bits=bits, clip=1.0, total_weight=100)
    inputs = {
        "zeros": np.zeros(LENGTH),
        "constant": np.full(LENGTH, 0.5),
        "gaussian": np.random.default_rng(0).normal(0, 0.1, LENGTH),
    }
    x = fp.encode(inputs[kind])
    failures = sum(not looks_uniform(_masked(x, bits=bits, seed=s), bits=bits) for s in range(20))
    # 20 sessions, each a fresh set of keys: at ALPHA = 0.001, one failure is already unlikely
    assert failures <= 1


def test_a_single_client_without_peers_is_masked_by_its_self_mask_alone() -> None:
    x = np.zeros(LENGTH, dtype=np.uint64)
    assert looks_uniform(_masked(x, bits=64, seed=99, clients=1), bits=64)
