"""``ValueSpec``: which value encoding a pipeline uses, parsed from text like ``int8(channel)``."""

from __future__ import annotations

import re
from dataclasses import dataclass

_CALL = re.compile(r"^\s*([a-z][a-z0-9_-]*)\s*(?:\((.*)\))?\s*$")
_INT_BITS = (2, 4, 8)
_OPTIONS = ("channel", "stochastic")
NAMES = ("fp32", "fp16", "bf16", "int8", "int4", "int2", "ternary")


def split_call(text: str) -> tuple[str, tuple[str, ...]]:
    """``"name(a, b)"`` -> ``("name", ("a", "b"))``; ``"name"`` -> ``("name", ())``."""
    match = _CALL.match(text)
    if match is None:
        raise ValueError(f"cannot parse stage {text!r}: expected name or name(arg, ...)")
    name, args = match.group(1), match.group(2)
    parts = () if args is None or not args.strip() else tuple(a.strip() for a in args.split(","))
    return name, parts


@dataclass(frozen=True)
class ValueSpec:
    """How kept values are sent.

    Attributes
    ----------
    kind:
        ``fp32``, ``fp16``, ``bf16``, ``int`` (symmetric uniform) or ``ternary`` (STC: mean
        magnitude x sign, Sattler et al. 2019, https://arxiv.org/abs/1903.02891).
    bits:
        ``int`` only: 8, 4 or 2 (levels ``-(2**(bits-1)-1) .. 2**(bits-1)-1``).
    per_channel:
        ``int``/``ternary``: one scale per slice of dim 0 instead of one per tensor.
    stochastic:
        ``int`` only: unbiased stochastic rounding (needs an rng) instead of round-to-nearest.
    """

    kind: str = "fp32"
    bits: int = 8
    per_channel: bool = False
    stochastic: bool = False

    def __post_init__(self) -> None:
        kinds = ("fp32", "fp16", "bf16", "int", "ternary")
        if self.kind not in kinds:
            raise ValueError(f"ValueSpec.kind must be one of {list(kinds)}, got {self.kind!r}")
        if self.kind == "int" and self.bits not in _INT_BITS:
            raise ValueError(f"ValueSpec.bits must be one of {list(_INT_BITS)}, got {self.bits}")
        if self.per_channel and not self.quantised:
            raise ValueError(f"ValueSpec.per_channel applies to int and ternary, not {self.kind}")
        if self.stochastic and self.kind != "int":
            raise ValueError(f"ValueSpec.stochastic applies to int only, not {self.kind}")

    @property
    def quantised(self) -> bool:
        """Whether values become small integer symbols (so ANS may code them)."""
        return self.kind in ("int", "ternary")

    @classmethod
    def parse(cls, text: str) -> ValueSpec:
        """Parse ``fp32|fp16|bf16|int8|int4|int2|ternary``, options ``(channel, stochastic)``."""
        name, args = split_call(text)
        if name not in NAMES:
            raise ValueError(f"unknown value encoding {name!r}; allowed: {', '.join(NAMES)}")
        bad = [a for a in args if a not in _OPTIONS]
        if bad:
            raise ValueError(f"{name}: unknown options {bad}; allowed: {', '.join(_OPTIONS)}")
        kind = "int" if name.startswith("int") else name
        bits = int(name[3:]) if kind == "int" else 8
        return cls(
            kind=kind, bits=bits, per_channel="channel" in args, stochastic="stochastic" in args
        )

    def __str__(self) -> str:
        name = f"int{self.bits}" if self.kind == "int" else self.kind
        opts = [
            o for o, on in zip(_OPTIONS, (self.per_channel, self.stochastic), strict=True) if on
        ]
        return f"{name}({', '.join(opts)})" if opts else name
