"""In-memory datasets, train/test splits and the dataset registry."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from fedprune.registry import Registry

__all__ = ["DATASETS", "ArrayDataset", "DataSplit", "load_dataset"]


@dataclass(frozen=True)
class ArrayDataset:
    """A labelled dataset held as two numpy arrays.

    Parameters
    ----------
    x:
        Inputs, one row per sample: float32 features (images are ``(N, C, H, W)`` scaled to
        ``[0, 1]``), or int64 token ids ``(N, L)`` for text, with 0 as padding.
    y:
        int64 labels of shape ``(N,)`` in ``[0, num_classes)``.
    num_classes:
        Number of classes the labels are drawn from (some may be absent).
    name:
        Name of the dataset the samples come from.
    vocab_size:
        For token-id inputs (int64 ``x``): the tokenizer's vocabulary size, every id below it;
        ``None`` for float features.
    groups:
        Optional int64 ``(N,)`` id of the natural source of each sample (e.g. its writer), used
        by the ``natural`` partitioner; ``None`` where the dataset has no such grouping.
    """

    x: np.ndarray
    y: np.ndarray
    num_classes: int
    name: str
    groups: np.ndarray | None = None
    vocab_size: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.x, np.ndarray) or self.x.dtype not in (np.float32, np.int64):
            raise ValueError(
                "x must be a float32 (features) or int64 (token ids) numpy array, "
                f"got {_describe(self.x)}"
            )
        self._check_tokens()
        if self.x.ndim < 2:
            raise ValueError(
                f"x must have a sample axis and feature axes, got shape {self.x.shape}"
            )
        if not isinstance(self.y, np.ndarray) or self.y.dtype != np.int64:
            raise ValueError(f"y must be an int64 numpy array, got {_describe(self.y)}")
        if self.y.ndim != 1:
            raise ValueError(f"y must be one-dimensional, got shape {self.y.shape}")
        if len(self.x) != len(self.y):
            raise ValueError(
                f"x and y disagree on the sample count: {len(self.x)} vs {len(self.y)}"
            )
        if isinstance(self.num_classes, bool) or not isinstance(self.num_classes, int):
            raise ValueError(f"num_classes must be an int, got {self.num_classes!r}")
        if self.num_classes < 1:
            raise ValueError(f"num_classes must be >= 1, got {self.num_classes}")
        if len(self.y) and (self.y.min() < 0 or self.y.max() >= self.num_classes):
            raise ValueError(
                f"labels must lie in [0, {self.num_classes}), "
                f"got range [{self.y.min()}, {self.y.max()}]"
            )
        if not self.name:
            raise ValueError("name must be a non-empty string")
        if self.groups is not None and (
            not isinstance(self.groups, np.ndarray)
            or self.groups.dtype != np.int64
            or self.groups.shape != self.y.shape
        ):
            raise ValueError(
                f"groups must be None or an int64 array of shape {self.y.shape}, "
                f"got {_describe(self.groups)}"
            )

    def _check_tokens(self) -> None:
        if self.x.dtype != np.int64:
            if self.vocab_size is not None:
                raise ValueError("vocab_size is only for token-id (int64) inputs")
            return
        v = self.vocab_size
        if isinstance(v, bool) or not isinstance(v, int) or v < 2:
            raise ValueError(f"int64 (token id) inputs need an int vocab_size >= 2, got {v!r}")
        if self.x.size and (self.x.min() < 0 or self.x.max() >= v):
            raise ValueError(
                f"token ids must lie in [0, {v}), got range [{self.x.min()}, {self.x.max()}]"
            )

    def __len__(self) -> int:
        return len(self.y)

    def subset(self, indices: np.ndarray) -> ArrayDataset:
        """Return a copy holding the samples at ``indices`` (1-D integers, in range)."""
        indices = np.asarray(indices)
        if indices.ndim != 1 or not (indices.size == 0 or np.issubdtype(indices.dtype, np.integer)):
            raise ValueError(f"indices must be a 1-D integer array, got {_describe(indices)}")
        if indices.size and (indices.min() < 0 or indices.max() >= len(self)):
            raise ValueError(
                f"indices must lie in [0, {len(self)}), "
                f"got range [{indices.min()}, {indices.max()}]"
            )
        idx = indices.astype(np.int64)
        return ArrayDataset(
            x=self.x[idx],
            y=self.y[idx],
            num_classes=self.num_classes,
            name=self.name,
            groups=None if self.groups is None else self.groups[idx],
            vocab_size=self.vocab_size,
        )


@dataclass(frozen=True)
class DataSplit:
    """A dataset's training and held-out test parts; both share classes and sample shape."""

    train: ArrayDataset
    test: ArrayDataset

    def __post_init__(self) -> None:
        if self.train.num_classes != self.test.num_classes:
            raise ValueError(
                "train and test disagree on num_classes: "
                f"{self.train.num_classes} vs {self.test.num_classes}"
            )
        if (self.train.x.dtype, self.train.vocab_size) != (self.test.x.dtype, self.test.vocab_size):
            raise ValueError("train and test disagree on the input dtype or vocab_size")
        if self.train.x.shape[1:] != self.test.x.shape[1:]:
            raise ValueError(
                "train and test disagree on the sample shape: "
                f"{self.train.x.shape[1:]} vs {self.test.x.shape[1:]}"
            )


DATASETS: Registry[Callable[..., DataSplit]] = Registry("dataset")


def load_dataset(
    *, name: str, root: str | None = None, options: Mapping[str, Any] | None = None
) -> DataSplit:
    """Load the registered dataset ``name``.

    Parameters
    ----------
    name:
        A name in ``DATASETS.names()``.
    root:
        Directory holding the dataset's files, for datasets that read from disk; ``None`` picks
        the dataset's default (embedded datasets ignore it).
    options:
        Keyword options of that dataset's loader (e.g. ``speakers`` of ``speech_digits``);
        one it does not take is a ``ValueError`` naming the options it does take.
    """
    loader = DATASETS.get(name)
    options = dict(options or {})
    takes = [
        p.name
        for p in inspect.signature(loader).parameters.values()
        if p.kind is p.KEYWORD_ONLY and p.name != "root"
    ]
    unknown = sorted(set(options) - set(takes))
    if unknown:
        raise ValueError(
            f"dataset {name!r} takes no option(s) {unknown}; its options: {takes or 'none'}"
        )
    return loader(root=root, **options)


def _describe(value: object) -> str:
    if isinstance(value, np.ndarray):
        return f"{value.dtype} array of shape {value.shape}"
    return type(value).__name__
