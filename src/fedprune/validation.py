"""Server-side checks of a decoded update against the global model it started from.

Decoding (``fedprune.payload``) already refuses wrong names, shapes and non-finite values; the
checks here are about what the values and masks claim. Each raises ``PayloadError`` with a
one-line reason, which the round's row reports beside the client id.
"""

from __future__ import annotations

from collections.abc import Mapping

from torch import Tensor

from fedprune.aggregate import update_norm
from fedprune.mask_count import kept
from fedprune.messages import GlobalModel
from fedprune.payload import PayloadError, unpack_model
from fedprune.prune.regrow import regrow_count


def count(t: Tensor) -> int:
    """Non-zero (for masks: kept) entries of ``t``."""
    return kept(t)


def check_pruned_zero(*, params: Mapping[str, Tensor], masks: Mapping[str, Tensor]) -> None:
    """Every entry an update's mask prunes must hold exactly zero.

    The codec zero-fills pruned positions, so a payload cannot break this; it guards updates
    from any other decoder, where a value hidden under a pruned flag would still be averaged.
    """
    for name, keep in masks.items():
        if count(keep) == keep.numel():  # nothing pruned (count_nonzero: bool sums are slow)
            continue
        stray = count(params[name].masked_fill(keep, 0))
        if stray:
            raise PayloadError(f"{name}: {stray} entries pruned in the update's mask are not zero")


def check_no_revival(
    *, masks: Mapping[str, Tensor], model: GlobalModel, regrow: float = 0.0
) -> None:
    """An update must not keep entries the global mask pruned, beyond what it was asked to
    regrow.

    Clients train under the global mask and pruners never revive a weight, so an honest update's
    mask lies within the global one in every pruning mode. A client told to readjust its mask
    (dynamic sparse training, ``regrow`` > 0) may grow at most ``regrow_count`` entries per
    tensor and must keep no more entries than the global mask does.
    """
    for name, keep in masks.items():
        allowed = model.masks.get(name)
        if allowed is None:
            continue
        kept = count(allowed)
        pruned = allowed.numel() - kept
        revived = count(keep & ~allowed) if pruned else 0
        budget = regrow_count(kept=kept, pruned=pruned, fraction=regrow) if regrow else 0
        if revived > budget:
            raise PayloadError(
                f"{name}: revives {revived} entries pruned in the global mask"
                + (f" (asked to regrow at most {budget})" if regrow else "")
            )
        if regrow and count(keep) > kept:
            raise PayloadError(
                f"{name}: keeps {count(keep)} entries after regrowing, the global mask {kept}"
            )


def check_norm(
    *,
    params: Mapping[str, Tensor],
    masks: Mapping[str, Tensor],
    model: GlobalModel,
    max_norm: float,
) -> None:
    """The change from the global model, over the entries the update keeps (``update_norm``),
    must be at most ``max_norm``."""
    norm = update_norm(params=params, masks=masks, reference=model.params)
    if norm > max_norm:
        raise PayloadError(
            f"update norm {norm:.4g} exceeds federation.max_update_norm {max_norm:g}"
        )


def check_update(
    *,
    params: Mapping[str, Tensor],
    masks: Mapping[str, Tensor],
    model: GlobalModel,
    max_norm: float | None = None,
    regrow: float = 0.0,
) -> None:
    """Run every check on a decoded update; raise ``PayloadError`` naming the first failure.

    Parameters
    ----------
    params, masks:
        The update as decoded (``fedprune.payload.unpack_model``), masks for prunable tensors.
    model:
        The global model the round sent.
    max_norm:
        ``federation.max_update_norm``; ``None`` skips the norm check.
    regrow:
        The fraction the client was told to swap (``Instruction.regrow``); 0 allows no growth.
    """
    check_pruned_zero(params=params, masks=masks)
    check_no_revival(masks=masks, model=model, regrow=regrow)
    if max_norm is not None:
        check_norm(params=params, masks=masks, model=model, max_norm=max_norm)


def decode_scores(
    *, payload: bytes, reference: Mapping[str, Tensor], what: str
) -> dict[str, Tensor]:
    """Scores a client sent beside its update (channel scores, PruneFL's importance): the
    names and shapes of ``reference``, finite and non-negative, or ``PayloadError`` naming
    ``what`` and the first offending tensors."""
    scores, _ = unpack_model(payload=payload, reference=reference, prunable=[])
    bad = [n for n, s in scores.items() if not bool((s >= 0).all())]
    if bad:
        raise PayloadError(f"negative {what} for {bad[:3]}")
    return scores
