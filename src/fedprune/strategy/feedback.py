"""Adaptive per-client pruning by performance feedback: a client whose validation accuracy
falls too far when it prunes gets a lower target next time, one that holds a higher one."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from fedprune.messages import GlobalModel, Instruction, Update
from fedprune.strategy.base import Strategy

BEFORE, AFTER = "val_accuracy_unpruned", "val_accuracy"


def feedback_step(
    *, offset: float, drop: float, tolerance: float, step: float, high: float
) -> float:
    """The client's next extra sparsity: ``offset - step`` when pruning cost it more than
    ``tolerance`` validation accuracy (``drop``), else ``offset + step``; kept in ``[0, high]``.

    Pure. Below 0 would ask a client to revive what the global mask already pruned, which
    client-side pruners never do, so 0 is the floor.
    """
    moved = offset - step if drop > tolerance else offset + step
    return min(high, max(0.0, moved))


class PerformanceFeedback(Strategy):
    """Client-side pruning with a per-client extra target learned from each client's own
    validation accuracy before and after it prunes (item 3(c) of the adaptive design; in the
    spirit of FedMP's per-client pruning ratios, Jiang et al. 2023,
    https://arxiv.org/abs/2305.02372, with a multiplicative-free additive rule).

    Clients need a validation split (``data.val_fraction``); each reports ``val_accuracy``
    (as uploaded, pruned) and ``val_accuracy_unpruned`` (trained, before pruning). A client
    never sampled or never measured keeps offset 0. The server still reconciles uploads into
    one global mask at the round's base target.
    """

    def __init__(self, *, inner: Strategy, tolerance: float, step: float, high: float) -> None:
        if tolerance < 0 or step <= 0 or not 0 <= high < 1:
            raise ValueError(
                f"need tolerance >= 0, step > 0, 0 <= high < 1; got {tolerance}, {step}, {high}"
            )
        self.inner, self.tolerance, self.step, self.high = inner, tolerance, step, high
        self.offsets: dict[int, float] = {}

    def configure_round(
        self, *, rnd: int, model: GlobalModel, clients: Sequence[int]
    ) -> dict[int, Instruction]:
        plan = self.inner.configure_round(rnd=rnd, model=model, clients=clients)
        out = {}
        for cid, instr in plan.items():
            order, extra = instr.prune, self.offsets.get(cid, 0.0)
            if order is not None and extra:
                instr = instr.with_prune(replace(order, target=min(0.99, order.target + extra)))
            out[cid] = instr
        return out

    def aggregate(self, *, rnd: int, model: GlobalModel, updates: Sequence[Update]) -> GlobalModel:
        for u in updates:
            if BEFORE in u.metrics and AFTER in u.metrics:
                self.offsets[u.cid] = feedback_step(
                    offset=self.offsets.get(u.cid, 0.0),
                    drop=u.metrics[BEFORE] - u.metrics[AFTER],
                    tolerance=self.tolerance,
                    step=self.step,
                    high=self.high,
                )
        return self.inner.aggregate(rnd=rnd, model=model, updates=updates)

    def state_dict(self) -> dict[str, Any]:
        """The wrapped strategy's state and every client's learned offset."""
        return {
            "inner": self.inner.state_dict(),
            "offsets": {str(c): v for c, v in sorted(self.offsets.items())},
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore ``state_dict()``."""
        if set(state) != {"inner", "offsets"}:
            raise ValueError(f"state has keys {sorted(state)}, expected ['inner', 'offsets']")
        self.inner.load_state_dict(state["inner"])
        self.offsets = {int(c): float(v) for c, v in state["offsets"].items()}
