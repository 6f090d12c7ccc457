"""A hashing tokenizer shared by every client: fixed by its arguments, never fitted to data."""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from itertools import pairwise

import numpy as np

__all__ = ["PAD", "TOKEN_PATTERN", "hash_tokenize", "token_id", "word_tokens"]

PAD = 0
# Runs of ASCII letters and digits: "a.k.a." -> a, k, a; "o'clock" -> o, clock.
TOKEN_PATTERN = re.compile(r"[a-z0-9]+")


def word_tokens(*, text: str, bigrams: bool = False) -> list[str]:
    """Lower-case word tokens of ``text``, then (with ``bigrams``) each adjacent pair as "a b".

    The unigrams come first and in text order, so ``bigrams=True`` only appends tokens; a
    bigram holds a space and so never hashes as the same string as a unigram.
    """
    words = TOKEN_PATTERN.findall(text.lower())
    if bigrams:
        words += [f"{a} {b}" for a, b in pairwise(words)]
    return words


def token_id(*, token: str, vocab_size: int) -> int:
    """Id of ``token`` in ``[1, vocab_size)``: ``1 + crc32(utf-8 bytes) % (vocab_size - 1)``.

    CRC-32 rather than ``hash()``, which Python salts per process: every client and every run
    must map a word to the same id.
    """
    return 1 + zlib.crc32(token.encode("utf-8")) % (vocab_size - 1)


def hash_tokenize(
    *, texts: Sequence[str], vocab_size: int, max_len: int, bigrams: bool = False
) -> np.ndarray:
    """Map each text to ``max_len`` hashed token ids, truncating or right-padding with ``PAD``.

    Parameters
    ----------
    texts:
        The texts, one row of output each.
    vocab_size:
        Ids lie in ``[1, vocab_size)``; 0 is padding. Distinct tokens may share an id.
    max_len:
        Tokens kept per text; later ones are dropped.
    bigrams:
        Also emit word bigrams, after the unigrams (see ``word_tokens``).

    Returns
    -------
    int64 array of shape ``(len(texts), max_len)``.
    """
    if isinstance(texts, str) or not all(isinstance(t, str) for t in texts):
        raise ValueError("texts must be a sequence of strings (a single str is not accepted)")
    if isinstance(vocab_size, bool) or not isinstance(vocab_size, int) or vocab_size < 2:
        raise ValueError(f"vocab_size must be an int >= 2 (id 0 is padding), got {vocab_size!r}")
    if isinstance(max_len, bool) or not isinstance(max_len, int) or max_len < 1:
        raise ValueError(f"max_len must be an int >= 1, got {max_len!r}")
    out = np.full((len(texts), max_len), PAD, dtype=np.int64)
    # Glosses repeat most words many times; hashing each distinct token once halves the time.
    ids: dict[str, int] = {}
    for row, text in enumerate(texts):
        tokens = word_tokens(text=text, bigrams=bigrams)[:max_len]
        for col, token in enumerate(tokens):
            if token not in ids:
                ids[token] = token_id(token=token, vocab_size=vocab_size)
            out[row, col] = ids[token]
    return out
