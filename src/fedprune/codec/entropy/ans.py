"""``ans``: quantised symbols coded with rANS (constriction) under their empirical histogram."""

from __future__ import annotations

import struct

import constriction
import numpy as np

from fedprune.codec.bitpack import pack_bits, packed_size, unpack_bits
from fedprune.codec.entropy.base import ENTROPY, EntropyCoder
from fedprune.codec.errors import CodecError
from fedprune.codec.reader import Reader
from fedprune.codec.values.base import SymbolFormat, Symbols

_U32 = struct.Struct("<I")
MAX_ALPHABET = 256
MAX_FREQUENCY = (1 << 24) - 1
_TOTALS = [1 << b for b in range(6, 17)]


def model_frequencies(counts: np.ndarray) -> np.ndarray:
    """Counts rescaled to the total (2**6..2**16, or exact) that minimises table + code length.

    The table stores each frequency at the bit width of the largest; coarser totals shrink it
    at a small coding loss.
    """
    counts = counts.astype(np.int64)
    total = int(counts.sum())
    if total == 0:
        return counts
    best, best_bits = counts, float("inf")
    options = [counts] if total <= MAX_FREQUENCY else []
    options += [np.maximum(1, np.rint(counts * (t / total))).astype(np.int64) for t in _TOTALS]
    for freq in options:
        table_bits = freq.size * int(freq.max()).bit_length()
        code_bits = float(-(counts * np.log2(freq / freq.sum())).sum())
        if table_bits + code_bits < best_bits:
            best, best_bits = freq, table_bits + code_bits
    return best


def _model(frequencies: np.ndarray) -> constriction.stream.model.Categorical:
    # Both ends build the model from the same integers, so it is bit-identical.
    probabilities = frequencies.astype(np.float64) / float(frequencies.sum())
    return constriction.stream.model.Categorical(probabilities, perfect=False)


@ENTROPY.register("ans")
class AnsCoder(EntropyCoder):
    """Head raw, then: presence bitmap over ``0..span``, u8 width, a ``width``-bit frequency per
    present symbol (counts rescaled, see ``model_frequencies``), u32 word count, the rANS words.
    One distinct symbol needs no words at all."""

    wire_id = 3

    def applies(self, fmt: SymbolFormat) -> bool:
        """Only small alphabets (quantised values)."""
        return fmt.span < MAX_ALPHABET

    def encode(self, *, head: bytes, symbols: Symbols, packed: bytes) -> bytes:
        """Histogram, then the symbols coded under it."""
        alphabet = symbols.fmt.span + 1
        counts = np.bincount(symbols.offsets, minlength=alphabet)
        present = counts > 0
        frequencies = model_frequencies(counts[present])
        width = int(frequencies.max()).bit_length() if frequencies.size else 0
        table = np.packbits(present, bitorder="little").tobytes() + bytes([width])
        table += pack_bits(frequencies.astype(np.uint32), width)
        words = np.zeros(0, dtype=np.uint32)
        if frequencies.size > 1:
            index = (np.cumsum(present) - 1).astype(np.int32)[symbols.offsets]
            coder = constriction.stream.stack.AnsCoder()
            coder.encode_reverse(index, _model(frequencies))
            words = coder.get_compressed()
        return head + table + _U32.pack(words.size) + words.astype("<u4").tobytes()

    def read_symbols(self, reader: Reader, *, count: int, fmt: SymbolFormat) -> np.ndarray:
        """Decode ``count`` symbols; the histogram must sum to ``count``, no words left over."""
        if not self.applies(fmt):
            raise CodecError(f"ans cannot code symbols of {fmt.bits} bits")
        alphabet = fmt.span + 1
        bits = np.frombuffer(reader.take((alphabet + 7) // 8, "ans presence"), dtype=np.uint8)
        if alphabet % 8 and int(bits[-1]) >> (alphabet % 8):
            raise CodecError("ans presence padding bits are set")
        symbols = np.flatnonzero(np.unpackbits(bits, count=alphabet, bitorder="little"))
        (width,) = reader.take(1, "ans frequency width")
        if width > MAX_FREQUENCY.bit_length():
            raise CodecError(f"ans frequency width {width} exceeds {MAX_FREQUENCY.bit_length()}")
        raw = reader.take(packed_size(symbols.size, width), "ans histogram")
        frequencies = unpack_bits(raw, count=symbols.size, width=width)
        if symbols.size and int(frequencies.min()) == 0:
            raise CodecError("ans histogram frequencies must be >= 1")
        if count and not symbols.size:
            raise CodecError(f"ans histogram is empty but {count} symbols are expected")
        (n_words,) = reader.unpack(_U32, "ans word count")
        words = np.frombuffer(reader.take(4 * n_words, "ans words"), dtype="<u4")
        if symbols.size <= 1:
            if n_words:
                raise CodecError("ans: words sent for a single-symbol histogram")
            return np.full(count, symbols[0] if symbols.size else 0, dtype=np.uint8)
        index = _decode(words.astype(np.uint32), _model(frequencies), count)
        return symbols.astype(np.uint8)[index]


def _decode(words: np.ndarray, model: object, count: int) -> np.ndarray:
    try:
        coder = constriction.stream.stack.AnsCoder(words)
        index = np.asarray(coder.decode(model, count))
        leftover = not coder.is_empty()
    except Exception as exc:  # the Rust coder's own errors, whatever their class
        raise CodecError(f"ans: undecodable stream ({exc})") from None
    if leftover:
        raise CodecError("ans: words left over after the last symbol")
    return index
