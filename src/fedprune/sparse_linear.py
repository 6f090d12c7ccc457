"""Local training of highly pruned ``Linear`` layers on their kept weights only, through CSR
kernels, so the compute of those layers shrinks with their sparsity.

Inside ``sparse_linears`` a ``Linear`` that ``SparsePolicy`` selects (a mask keeping at most
``max_density`` of a weight of at least ``min_numel`` entries) trains on a packed parameter
holding just the kept entries: the forward and the input gradient are ``torch.sparse.mm``
with the weight (and its transpose) in CSR, the weight gradient is
``torch.sparse.sampled_addmm``, which computes ``dy^T x`` at the kept entries only, and the
optimiser steps over the kept entries only. The mask is fixed during local training, so the
CSR structure is built once per job from it. It is the maths of masked dense training (a
pruned entry has zero weight, gradient, weight decay and momentum either way), summed in
another order. PyTorch's CSR kernels are used as they are; only the packing (which torch does
not do for a parameter) is written here. ``benchmarks/sparse_kernels.py`` measured where they
win, which sets ``AUTO``.
"""

from __future__ import annotations

import types
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn

# the structures built here are valid by construction; torch's "beta" notice says nothing new
warnings.filterwarnings("ignore", message="Sparse CSR tensor support is in beta state")


@dataclass(frozen=True)
class SparsePolicy:
    """Which pruned ``Linear`` layers train through CSR kernels: kept share at most
    ``max_density`` and weight of at least ``min_numel`` entries."""

    max_density: float
    min_numel: int = 0

    def selects(self, mask: Tensor, kept: int) -> bool:
        return 0 < kept <= self.max_density * mask.numel() and mask.numel() >= self.min_numel


# engine.sparse_kernels = "auto" (benchmarks/sparse_kernels.py, 1 thread as in a worker): a
# FedAvg-CNN client job with every Linear packed ran 1.07-1.22x faster at 95 % sparsity and
# 1.18-1.42x at 99 % (two runs), broke even at 90 % and lost at 80 %; the MLP's small layers
# (<= 157k weights) lost at every sparsity, the per-step costs of the sparse tensors
# outweighing their smaller products. So: weights of >= 1M entries keeping <= 5 %.
AUTO = SparsePolicy(max_density=0.05, min_numel=1_000_000)


@dataclass(frozen=True)
class CsrPattern:
    """The kept entries of an ``(out, in)`` mask as CSR structure, for ``W`` and ``W^T``."""

    shape: tuple[int, int]
    flat: Tensor  # kept entries' flat indices in W, row-major: the packed values' order
    crow: Tensor
    col: Tensor
    t_crow: Tensor
    t_col: Tensor
    t_order: Tensor  # W^T's kept entries, as positions in the packed values

    @classmethod
    def from_mask(cls, mask: Tensor) -> CsrPattern:
        out_f, in_f = mask.shape
        rows, cols = mask.nonzero(as_tuple=True)
        t_cols, t_rows = mask.t().nonzero(as_tuple=True)  # W^T: row = input feature
        position = torch.full((out_f * in_f,), -1, dtype=torch.int64)
        flat = rows * in_f + cols
        position[flat] = torch.arange(flat.numel())
        return cls(
            shape=(out_f, in_f),
            flat=flat,
            crow=_crow(mask.sum(1)),
            col=cols,
            t_crow=_crow(mask.sum(0)),
            t_col=t_rows,
            t_order=position[t_rows * in_f + t_cols],
        )

    def matrix(self, values: Tensor) -> Tensor:
        return torch.sparse_csr_tensor(
            self.crow, self.col, values, size=self.shape, check_invariants=False
        )

    def transposed(self, values: Tensor) -> Tensor:
        size = (self.shape[1], self.shape[0])
        return torch.sparse_csr_tensor(
            self.t_crow, self.t_col, values[self.t_order], size=size, check_invariants=False
        )


def _crow(counts: Tensor) -> Tensor:
    return torch.cat([torch.zeros(1, dtype=torch.int64), counts.to(torch.int64).cumsum(0)])


class _CsrMatmul(torch.autograd.Function):
    """``x @ W^T`` for ``W`` given by its packed kept ``values`` and ``pattern``."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, values: Tensor, pattern: CsrPattern) -> Tensor:
        ctx.save_for_backward(x, values)
        ctx.pattern = pattern
        return torch.sparse.mm(pattern.matrix(values), x.t()).t()

    @staticmethod
    def backward(ctx: Any, dy: Tensor) -> tuple[Tensor | None, Tensor | None, None]:
        x, values = ctx.saved_tensors
        pattern: CsrPattern = ctx.pattern
        dx = dvalues = None
        if ctx.needs_input_grad[0]:
            dx = torch.sparse.mm(pattern.transposed(values), dy.t()).t()
        if ctx.needs_input_grad[1]:
            sampled = torch.sparse.sampled_addmm(
                pattern.matrix(values), dy.t().contiguous(), x.contiguous(), beta=0.0
            )
            dvalues = sampled.values()
        return dx, dvalues, None


def _sparse_forward(self: nn.Linear, x: Tensor) -> Tensor:
    lead = x.shape[:-1]
    y = _CsrMatmul.apply(x.reshape(-1, x.shape[-1]), self.weight_kept, self.csr_pattern)
    y = y.reshape(*lead, y.shape[-1])
    return y if self.bias is None else y + self.bias


@contextmanager
def sparse_linears(
    model: nn.Module, masks: Mapping[str, Tensor], *, policy: SparsePolicy
) -> Iterator[set[str]]:
    """Within the block, every ``Linear`` whose weight mask ``policy`` selects trains on its
    packed kept weights (module parameter ``weight_kept``), its ``weight`` no longer a
    parameter. Yields the weight names so replaced, whose masks the optimiser then does not
    need. On exit the trained values go back into the dense weights
    (pruned entries exactly zero) and the modules are as before, also after an exception."""
    swapped: list[tuple[nn.Linear, Tensor, dict[str, Any], CsrPattern]] = []
    names: set[str] = set()
    try:
        for prefix, module in model.named_modules():
            name = f"{prefix}.weight" if prefix else "weight"
            mask = masks.get(name)
            if not isinstance(module, nn.Linear) or mask is None:
                continue
            kept = int(torch.count_nonzero(mask))
            if not policy.selects(mask, kept):
                continue
            weight = module.weight
            pattern = CsrPattern.from_mask(mask)
            order = dict(module._parameters)
            values = nn.Parameter(weight.detach().reshape(-1)[pattern.flat].clone())
            del module._parameters["weight"]
            module.register_parameter("weight_kept", values)
            module.csr_pattern = pattern  # type: ignore[assignment]
            module.forward = types.MethodType(_sparse_forward, module)  # type: ignore[method-assign]
            swapped.append((module, weight, order, pattern))
            names.add(name)
        yield names
    finally:
        for module, weight, order, held in swapped:
            trained = module._parameters.pop("weight_kept")
            assert trained is not None
            with torch.no_grad():
                weight.zero_()
                weight.view(-1)[held.flat] = trained.detach()
            module._parameters.clear()
            module._parameters.update(order)  # weight and bias, in their order
            del module.csr_pattern
            del module.forward
