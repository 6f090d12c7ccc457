"""Masks as heatmap grids: kernels flattened per filter, large masks pooled exactly."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fedprune.report.grid import as_matrix, density_grid


def test_a_conv_kernel_becomes_one_row_per_filter() -> None:
    kernel = np.arange(2 * 3 * 2 * 2).reshape(2, 3, 2, 2) % 2

    matrix = as_matrix(kernel)

    assert matrix.shape == (2, 12)
    np.testing.assert_array_equal(matrix[1], kernel[1].ravel())


@pytest.mark.parametrize(("shape", "expected"), [((5,), (1, 5)), ((3, 4), (3, 4)), ((), (1, 1))])
def test_vectors_and_matrices_keep_their_entries(shape: tuple, expected: tuple) -> None:
    assert as_matrix(np.ones(shape)).shape == expected


def test_pooling_gives_each_cells_kept_fraction() -> None:
    mask = np.zeros((4, 6))
    mask[:2, :3] = 1  # top-left block fully kept
    mask[2:, 3:] = [[1, 0, 0], [0, 0, 0]]  # bottom-right: 1 of 6

    grid = density_grid(mask, max_cells=2)

    np.testing.assert_allclose(grid, [[1.0, 0.0], [0.0, 1 / 6]])


def test_small_masks_are_not_pooled() -> None:
    mask = np.eye(3)

    np.testing.assert_array_equal(density_grid(mask, max_cells=3), mask)
    with pytest.raises(ValueError, match="max_cells"):
        density_grid(mask, max_cells=0)


@settings(max_examples=40, deadline=None)
@given(
    rows=st.integers(1, 50),
    cols=st.integers(1, 50),
    cells=st.integers(1, 12),
    seed=st.integers(0, 2**16),
)
def test_pooled_grid_is_bounded_and_keeps_the_overall_density_of_equal_blocks(
    rows: int, cols: int, cells: int, seed: int
) -> None:
    mask = np.random.default_rng(seed).random((rows, cols)) < 0.4

    grid = density_grid(mask, max_cells=cells)

    assert grid.shape == (min(rows, cells), min(cols, cells))
    assert grid.min() >= 0 and grid.max() <= 1
    if rows % grid.shape[0] == 0 and cols % grid.shape[1] == 0:  # equal blocks
        assert grid.mean() == pytest.approx(mask.mean())
