"""One tensor's body: mask section, value side information, symbols, under an entropy coder."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from fedprune.codec.bitpack import pack_bits
from fedprune.codec.entropy import EntropyCoder
from fedprune.codec.frame import Entry
from fedprune.codec.masks import MASKS, MaskEncoding, encode_auto
from fedprune.codec.reader import Reader
from fedprune.codec.values import VALUES, Channels, Symbols, ValueSpec

#: ANS is tried only where the empirical entropy says it can beat the best body so far by more
#: than this fraction: constriction decodes at 30-45 ns a symbol, zstd about 30x faster, and
#: zstd-split's Huffman-coded symbols come within ~0.5% of ANS on int8 weights
#: (benchmarks/codec_*).
ANS_MIN_GAIN = 0.01


def _ans_may_win(best: bytes, head: bytes, symbols: Symbols) -> bool:
    counts = np.bincount(symbols.offsets)
    counts = counts[counts > 0]
    n = int(counts.sum())
    if n == 0:
        return True
    p = counts / n
    entropy_bytes = float(-(counts * np.log2(p)).sum()) / 8
    return len(best) > (1 + ANS_MIN_GAIN) * (len(head) + entropy_bytes)


def encode_tensor(
    values: np.ndarray,
    *,
    mask: np.ndarray | None,
    mask_encoding: str,
    spec: ValueSpec,
    coders: Sequence[EntropyCoder],
    rng: np.random.Generator | None,
) -> tuple[tuple[int, int, int], bytes]:
    """Encode float32 ``values`` (any shape) and a flat bool ``mask`` or ``None`` (dense).

    ``mask_encoding`` is ``"auto"`` or a mask encoding's name; the smallest body among the
    ``coders`` that apply wins. Returns the three wire ids and the body.
    """
    flat = values.reshape(-1)
    menc: MaskEncoding
    if mask is None:
        menc, section = MASKS.get("dense")(), b""
    elif mask_encoding == "auto":
        menc, section = encode_auto(mask)
    else:
        menc = MASKS.get(mask_encoding)()
        section = menc.encode(mask) or b""
    venc = VALUES.get(spec.kind)()
    # integer indices: numpy's boolean gather is ~5x slower on a 50 % mask (branch misses)
    kept = flat if mask is None else flat.take(np.flatnonzero(mask))
    symbols = venc.encode(kept, channels=Channels(values.shape, mask), spec=spec, rng=rng)
    head = section + symbols.side
    packed = pack_bits(symbols.offsets, symbols.fmt.bits)
    best: tuple[EntropyCoder, bytes] | None = None
    for coder in coders:
        if not coder.applies(symbols.fmt):
            continue
        if coder.name == "ans" and best is not None and not _ans_may_win(best[1], head, symbols):
            continue
        body = coder.encode(head=head, symbols=symbols, packed=packed)
        if best is None or len(body) < len(best[1]):
            best = (coder, body)
    if best is None:
        raise ValueError(f"no entropy coder among {[c.name for c in coders]} applies")
    return (menc.wire_id, venc.wire_id, best[0].wire_id), best[1]


def decode_tensor(
    entry: Entry, *, known: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray | None]:
    """Decode ``entry``'s body to float32 values of its shape (zeros where pruned) and the mask
    (``None`` for a dense tensor). Raises ``CodecError``; allocates O(elements) at most."""
    dense = Channels(entry.shape, None)
    limit = entry.mask.max_size(dense.n) + entry.values.max_size(dense)
    reader = Reader(entry.entropy.unwrap(entry.body, limit=limit))
    mask = entry.mask.decode(reader, n=dense.n, known=known)
    channels = Channels(entry.shape, mask)
    side, fmt = entry.values.read_side(reader, channels=channels)
    offsets = entry.entropy.read_symbols(reader, count=channels.kept, fmt=fmt)
    reader.expect_end("the symbols")
    kept = entry.values.decode(offsets, side, channels=channels)
    if mask is None:
        return np.require(kept, np.float32, ["C", "W"]).reshape(entry.shape), None
    values = np.zeros(dense.n, dtype=np.float32)
    values[np.flatnonzero(mask)] = kept  # integer scatter, as in ``encode_tensor``
    return values.reshape(entry.shape), mask.reshape(entry.shape)
