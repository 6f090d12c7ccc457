"""Codec pipelines parsed from text (``"topk(0.1)+int8+zstd"``) and encoding through them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import torch

from fedprune.codec.body import encode_tensor
from fedprune.codec.entropy import ENTROPY, EntropyCoder
from fedprune.codec.entropy.zstd import ZstdCoder, ZstdSplitCoder
from fedprune.codec.frame import write_frame
from fedprune.codec.topk import topk_flat
from fedprune.codec.values.spec import NAMES as VALUE_NAMES
from fedprune.codec.values.spec import ValueSpec, split_call

MASK_MODES = ("auto", "bitmap", "gaps", "known")
#: Per-tensor candidates of each entropy setting; the smallest body wins.
ENTROPY_CANDIDATES = {
    "raw": ("raw",),
    "zstd": ("raw", "zstd", "zstd-split", "ans"),
    "ans": ("raw", "ans"),
}
_ZSTD = {"zstd": ZstdCoder, "zstd-split": ZstdSplitCoder}


@dataclass(frozen=True)
class Pipeline:
    """What happens to each tensor on the way to the wire.

    Attributes
    ----------
    topk:
        Keep ``ceil(topk * m)`` largest-magnitude entries (within the given mask, if any) and
        send that mask; ``None`` keeps what the mask keeps.
    mask:
        ``auto`` (smaller of bitmap and gaps per tensor), ``bitmap``, ``gaps``, or ``known``
        (the receiver holds the mask: only values and a 12-byte check travel).
    values:
        How kept values are sent (``ValueSpec``).
    entropy:
        ``raw``; ``zstd`` (per tensor the smallest of raw, zstd over the body, zstd over head
        and symbols apart and, for quantised values, ANS); or ``ans`` (smallest of raw and ANS;
        quantised values only).
    zstd_level:
        Zstandard level, 1..22.
    """

    topk: float | None = None
    mask: str = "auto"
    values: ValueSpec = field(default_factory=ValueSpec)
    entropy: str = "raw"
    zstd_level: int = 3

    def __post_init__(self) -> None:
        if self.topk is not None and not 0 < self.topk <= 1:
            raise ValueError(f"Pipeline.topk must be in (0, 1], got {self.topk}")
        if self.mask not in MASK_MODES:
            raise ValueError(f"Pipeline.mask must be one of {list(MASK_MODES)}, got {self.mask!r}")
        if self.topk is not None and self.mask == "known":
            raise ValueError("Pipeline: topk makes a new mask, so it cannot be mask-known")
        if self.entropy not in ENTROPY_CANDIDATES:
            allowed = list(ENTROPY_CANDIDATES)
            raise ValueError(f"Pipeline.entropy must be one of {allowed}, got {self.entropy!r}")
        if self.entropy == "ans" and not self.values.quantised:
            raise ValueError(f"Pipeline: ans codes quantised values, not {self.values}")
        if not 1 <= self.zstd_level <= 22:
            raise ValueError(f"Pipeline.zstd_level must be in 1..22, got {self.zstd_level}")

    def coders(self) -> list[EntropyCoder]:
        """The entropy coders each tensor may use, raw first."""
        return [
            _ZSTD[name](level=self.zstd_level) if name in _ZSTD else ENTROPY.get(name)()
            for name in ENTROPY_CANDIDATES[self.entropy]
        ]

    def __str__(self) -> str:
        stages = [] if self.topk is None else [f"topk({self.topk:g})"]
        if self.mask != "auto":
            stages.append("mask-known" if self.mask == "known" else self.mask)
        stages.append(str(self.values))
        if self.entropy == "zstd":
            stages.append("zstd" if self.zstd_level == 3 else f"zstd({self.zstd_level})")
        elif self.entropy == "ans":
            stages.append("ans")
        return "+".join(stages)

    def encode(
        self,
        *,
        tensors: Mapping[str, torch.Tensor],
        masks: Mapping[str, torch.Tensor] | None = None,
        rng: np.random.Generator | int | None = None,
    ) -> bytes:
        """``encode_pipeline`` with this pipeline."""
        return encode_pipeline(tensors=tensors, masks=masks, pipeline=self, rng=rng)


def _one_float(name: str, args: tuple[str, ...]) -> dict[str, Any]:
    if len(args) != 1:
        raise ValueError(f"{name} takes one number, e.g. {name}(0.1); got {len(args)} arguments")
    try:
        return {"topk": float(args[0])}
    except ValueError:
        raise ValueError(f"{name}: {args[0]!r} is not a number") from None


def _zstd(name: str, args: tuple[str, ...]) -> dict[str, Any]:
    if len(args) > 1 or (args and not args[0].isdigit()):
        raise ValueError(f"zstd takes an optional integer level, e.g. zstd(9); got {args}")
    return {"entropy": "zstd", **({"zstd_level": int(args[0])} if args else {})}


def _values(name: str, args: tuple[str, ...]) -> dict[str, Any]:
    return {"values": ValueSpec.parse(f"{name}({', '.join(args)})")}


def _fixed(**fields: Any) -> Callable[[str, tuple[str, ...]], dict[str, Any]]:
    def parse(name: str, args: tuple[str, ...]) -> dict[str, Any]:
        if args:
            raise ValueError(f"{name} takes no arguments, got {args}")
        return fields

    return parse


# stage name -> (slot it fills, parser of its arguments); a slot may be filled once.
_STAGES: dict[str, tuple[str, Callable[[str, tuple[str, ...]], dict[str, Any]]]] = {
    "topk": ("selection", _one_float),
    "mask-known": ("mask", _fixed(mask="known")),
    "bitmap": ("mask", _fixed(mask="bitmap")),
    "gaps": ("mask", _fixed(mask="gaps")),
    **{name: ("values", _values) for name in VALUE_NAMES},
    "zstd": ("entropy", _zstd),
    "ans": ("entropy", _fixed(entropy="ans")),
}
STAGE_FORMS = (
    "topk(f), mask-known, bitmap, gaps, fp32, fp16, bf16, int8|int4|int2[(channel, stochastic)], "
    "ternary[(channel)], zstd[(level)], ans"
)


def parse_pipeline(text: str) -> Pipeline:
    """Parse ``"stage+stage+..."``; a bad stage raises a ``ValueError`` naming it and the allowed.

    Slots: selection (``topk(f)``), mask (``mask-known|bitmap|gaps``, default auto), values
    (default ``fp32``), entropy (``zstd[(level)]|ans``, default raw).
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"empty pipeline; stages: {STAGE_FORMS}")
    fields: dict[str, Any] = {}
    filled: dict[str, str] = {}
    for token in text.split("+"):
        name, args = split_call(token)
        if name not in _STAGES:
            raise ValueError(f"unknown stage {token.strip()!r} in {text!r}; allowed: {STAGE_FORMS}")
        slot, parse = _STAGES[name]
        if slot in filled:
            raise ValueError(f"stage {token.strip()!r} repeats the {slot} set by {filled[slot]!r}")
        filled[slot] = token.strip()
        try:
            fields.update(parse(name, args))
        except ValueError as exc:
            raise ValueError(f"stage {token.strip()!r}: {exc}") from None
    try:
        return replace(Pipeline(), **fields)
    except ValueError as exc:
        raise ValueError(f"pipeline {text!r}: {exc}") from None


def encode_pipeline(
    *,
    tensors: Mapping[str, torch.Tensor],
    masks: Mapping[str, torch.Tensor] | None = None,
    pipeline: Pipeline | str,
    rng: np.random.Generator | int | None = None,
) -> bytes:
    """Encode named float tensors (order kept) through ``pipeline`` into one payload.

    Parameters
    ----------
    tensors:
        Real floating-point tensors, converted to float32.
    masks:
        Bool (or 0/1) masks for some tensors. Masked tensors send only kept values; unmasked
        ones are dense (unless ``topk`` makes a mask). With ``mask-known`` the masks are the
        ones the receiver holds and must pass to ``decode(known_masks=...)``.
    pipeline:
        A ``Pipeline`` or its text, e.g. ``"topk(0.1)+int8+zstd"``.
    rng:
        Generator or seed for stochastic rounding (required by it, unused otherwise).
    """
    pipe = parse_pipeline(pipeline) if isinstance(pipeline, str) else pipeline
    gen = np.random.default_rng(rng) if isinstance(rng, int) else rng
    masks = {} if masks is None else masks
    unknown = [name for name in masks if name not in tensors]
    if unknown:
        raise ValueError(f"masks given for tensors that are not sent: {unknown}")
    coders = pipe.coders()
    entries = []
    for name, tensor in tensors.items():
        values = as_float32(name, tensor)
        given = masks.get(name)
        mask = None if given is None else as_mask(name, given, tensor)
        if pipe.topk is not None:
            mask = topk_flat(values, fraction=pipe.topk, allowed=mask)
        ids, body = encode_tensor(
            values, mask=mask, mask_encoding=pipe.mask, spec=pipe.values, coders=coders, rng=gen
        )
        entries.append((name, values.shape, ids, body))
    return write_frame(entries)


def as_float32(name: str, tensor: torch.Tensor) -> np.ndarray:
    """``tensor`` as a C-contiguous float32 numpy array; non-real-float tensors are refused."""
    if not isinstance(tensor, torch.Tensor):
        raise TypeError(f"tensor {name!r} must be a torch.Tensor, got {type(tensor).__name__}")
    if tensor.is_complex() or not tensor.is_floating_point():
        raise ValueError(
            f"tensor {name!r} must be a real floating-point tensor, not {tensor.dtype}"
        )
    return tensor.detach().to(device="cpu", dtype=torch.float32).contiguous().numpy()


def as_mask(name: str, mask: torch.Tensor, tensor: torch.Tensor) -> np.ndarray:
    """``mask`` as a flat bool array after checking type, shape and 0/1 values."""
    if not isinstance(mask, torch.Tensor):
        raise TypeError(f"mask {name!r} must be a torch.Tensor, got {type(mask).__name__}")
    if mask.shape != tensor.shape:
        raise ValueError(
            f"mask {name!r} has shape {tuple(mask.shape)}, tensor {tuple(tensor.shape)}"
        )
    mask = mask.detach().cpu()
    if mask.dtype != torch.bool and not bool(((mask == 0) | (mask == 1)).all()):
        raise ValueError(f"mask {name!r} must be bool or hold only 0 and 1")
    return mask.to(torch.bool).contiguous().numpy().reshape(-1)
