"""all_finite: exact, including finite entries whose sum overflows."""

from __future__ import annotations

import pytest
import torch

from fedprune.finite import all_finite


@pytest.mark.parametrize(
    ("values", "finite"),
    [
        ([1.0, -2.0, 3.5], True),
        ([3e38, 3e38, 3e38], True),  # the sum overflows to inf; every entry is finite
        ([1.0, float("nan")], False),
        ([float("inf"), float("-inf")], False),  # the sum is nan
        ([float("-inf"), 1.0], False),
        ([], True),
    ],
)
def test_all_finite_matches_isfinite_all(values: list[float], finite: bool) -> None:
    t = torch.tensor(values, dtype=torch.float32)

    assert all_finite(t) is finite
    assert all_finite(t) == bool(torch.isfinite(t).all())


def test_half_precision_overflow_of_the_sum_is_not_a_bad_entry() -> None:
    assert all_finite(torch.full((100,), 60000.0, dtype=torch.float16))
    assert all_finite(torch.tensor([1, 2, 3]))
