"""Local training with masks enforced, and evaluation."""

from __future__ import annotations

from collections.abc import Mapping

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from fedprune.messages import Instruction


def train_local(
    *,
    model: nn.Module,
    x: Tensor,
    y: Tensor,
    masks: Mapping[str, Tensor],
    instruction: Instruction,
    generator: torch.Generator,
) -> dict[str, float]:
    """Run ``instruction.epochs`` epochs of mini-batch SGD on ``(x, y)``; return mean loss.

    Pruned entries stay exactly zero through every step: their gradients are zeroed before the
    step (so momentum and weight decay never move them) and the weights are re-masked after it.
    With ``instruction.prox_mu > 0`` each gradient gains FedProx's ``prox_mu * (w - w_start)``,
    ``w_start`` being the weights on entry (the global model); the reported loss stays the data
    loss. Batches are index slices of in-memory tensors: a DataLoader only adds overhead here.
    """
    params = dict(model.named_parameters())
    mu = instruction.prox_mu
    anchors = [(p, p.detach().clone()) for p in model.parameters()] if mu > 0 else []
    # float copies once, so each step multiplies without a bool -> float conversion
    masked = [(params[n], m.to(params[n].dtype)) for n, m in masks.items() if not bool(m.all())]
    opt = torch.optim.SGD(
        model.parameters(),
        lr=instruction.lr,
        momentum=instruction.momentum,
        weight_decay=instruction.weight_decay,
    )
    model.train()
    n = x.shape[0]
    total, seen = 0.0, 0
    for _ in range(instruction.epochs):
        order = torch.randperm(n, generator=generator)
        for start in range(0, n, instruction.batch_size):
            idx = order[start : start + instruction.batch_size]
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(x[idx]), y[idx])
            loss.backward()
            with torch.no_grad():
                for p, w0 in anchors:
                    if p.grad is not None:
                        p.grad.add_(p - w0, alpha=mu)
                for p, m in masked:
                    if p.grad is not None:
                        p.grad.mul_(m)
            opt.step()
            with torch.no_grad():
                for p, m in masked:
                    p.mul_(m)
            total += float(loss.detach()) * idx.numel()
            seen += idx.numel()
    return {"train_loss": total / max(seen, 1)}


@torch.no_grad()
def evaluate(
    *, model: nn.Module, x: Tensor, y: Tensor, batch_size: int = 1000
) -> tuple[float, float]:
    """Accuracy and mean cross-entropy of ``model`` on ``(x, y)``."""
    model.eval()
    correct, loss = 0, 0.0
    for start in range(0, x.shape[0], batch_size):
        out = model(x[start : start + batch_size])
        target = y[start : start + batch_size]
        loss += float(F.cross_entropy(out, target, reduction="sum"))
        correct += int((out.argmax(1) == target).sum())
    n = max(x.shape[0], 1)
    return correct / n, loss / n
