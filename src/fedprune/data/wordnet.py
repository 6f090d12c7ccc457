"""WordNet 3.0 noun glosses labelled by lexicographer file: 26-class text classification."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import numpy as np

from fedprune.data.base import DATASETS, ArrayDataset, DataSplit
from fedprune.data.holdout import stratified_holdout
from fedprune.data.tokenize import hash_tokenize

__all__ = [
    "CLASS_NAMES",
    "DEFAULT_ROOT",
    "MAX_LEN",
    "NUM_CLASSES",
    "SPLIT_SEED",
    "TEST_SIZE",
    "VOCAB_SIZE",
    "load_wordnet",
    "read_glosses",
    "split_indices",
]

# Lexicographer files 03..28 (WordNet's lexnames); label = lex_filenum - 3.
CLASS_NAMES = (
    "noun.Tops",
    "noun.act",
    "noun.animal",
    "noun.artifact",
    "noun.attribute",
    "noun.body",
    "noun.cognition",
    "noun.communication",
    "noun.event",
    "noun.feeling",
    "noun.food",
    "noun.group",
    "noun.location",
    "noun.motive",
    "noun.object",
    "noun.person",
    "noun.phenomenon",
    "noun.plant",
    "noun.possession",
    "noun.process",
    "noun.quantity",
    "noun.relation",
    "noun.shape",
    "noun.state",
    "noun.substance",
    "noun.time",
)
NUM_CLASSES = len(CLASS_NAMES)
_FIRST_LEX_FILE = 3
_DIGITS = {10: re.compile(r"[0-9]+"), 16: re.compile(r"[0-9a-fA-F]+")}

DEFAULT_ROOT = "/usr/share/wordnet"
# Fixed on purpose: the test split must not move with the experiment seed.
SPLIT_SEED = 82_115
TEST_SIZE = 8_000  # of 82,115 synsets, ~9.7 %
# 2**14 buckets for 43,457 distinct gloss words keep an embedding table small (1M weights at
# width 64); collisions cost ~2 points of central LR accuracy, 2**16 ~0.5 (text_central.py).
VOCAB_SIZE = 2**14
# 32 word tokens hold the whole gloss for ~98 % of synsets (95 % need <= 27).
MAX_LEN = 32


@DATASETS.register("wordnet")
def load_wordnet(
    *,
    root: str | None = None,
    vocab_size: int = VOCAB_SIZE,
    max_len: int = MAX_LEN,
    limit: int | None = None,
) -> DataSplit:
    """Load WordNet noun glosses as int64 hashed token ids ``(N, max_len)``, 26 classes.

    The text is the gloss only (definition plus any quoted examples, as WordNet stores it);
    the synset's own words are left out so the task is to classify a definition. Tokens come
    from ``hash_tokenize`` (no vocabulary is fitted, so all clients share it). The 8,000-synset
    test split is stratified by class and fixed by ``SPLIT_SEED``.

    Parameters
    ----------
    root:
        WordNet dict directory holding ``data.noun``; ``None`` is ``/usr/share/wordnet``
        (Debian/Ubuntu package ``wordnet-base``).
    vocab_size, max_len:
        Passed to ``hash_tokenize``.
    limit:
        Keep a class-stratified, fixed-seed subsample of this many synsets (>= 2), split in the
        same proportion as the full set and drawn from its fixed train and test parts; for quick
        runs. ``None`` keeps all.
    """
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 2):
        raise ValueError(f"limit must be None or an int >= 2, got {limit!r}")
    texts, labels = read_glosses(path=Path(DEFAULT_ROOT if root is None else root) / "data.noun")
    train, test = split_indices(labels=labels, limit=limit)
    keep = np.concatenate([train, test])
    full = ArrayDataset(
        x=hash_tokenize(texts=[texts[i] for i in keep], vocab_size=vocab_size, max_len=max_len),
        y=labels[keep],
        num_classes=NUM_CLASSES,
        name="wordnet",
        vocab_size=vocab_size,
    )
    n_train = len(train)
    return DataSplit(
        train=full.subset(np.arange(n_train)),
        test=full.subset(np.arange(n_train, len(keep))),
    )


def split_indices(*, labels: np.ndarray, limit: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The fixed train and test indices of ``load_wordnet`` (sorted), given all labels.

    ``TEST_SIZE`` test synsets, stratified by class and drawn with ``SPLIT_SEED``; with
    ``limit``, stratified subsets of both parts holding ``limit`` synsets in all.
    """
    train, test = stratified_holdout(labels=labels, test_size=TEST_SIZE, seed=SPLIT_SEED)
    if limit is not None and limit < len(labels):
        test_limit = min(max(1, round(limit * TEST_SIZE / len(labels))), limit - 1)
        train = _subsample(indices=train, labels=labels, size=limit - test_limit)
        test = _subsample(indices=test, labels=labels, size=test_limit)
    return train, test


def read_glosses(*, path: str | Path) -> tuple[tuple[str, ...], np.ndarray]:
    """Read a WordNet ``data.noun`` file: each synset's gloss and its label in ``[0, 26)``.

    Lines starting with two spaces (the license header) are skipped; any other line must be a
    well-formed noun synset, else a ``ValueError`` names the file and line number. The result
    is cached per path, size and modification time; the label array is read-only.
    """
    path = Path(path)
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise FileNotFoundError(
            f"{path}: WordNet noun data not found; install it with "
            "`apt-get install wordnet-base` or pass root= a WordNet dict directory"
        ) from None
    return _read_cached(str(path.resolve()), stat.st_size, stat.st_mtime_ns)


@cache
def _read_cached(path: str, size: int, mtime_ns: int) -> tuple[tuple[str, ...], np.ndarray]:
    texts: list[str] = []
    labels: list[int] = []
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if line.startswith("  "):
                continue
            try:
                text, label = _parse_line(line)
            except ValueError as err:
                raise ValueError(f"{path}, line {number}: {err}") from None
            texts.append(text)
            labels.append(label)
    if not texts:
        raise ValueError(f"{path}: no synset lines")
    y = np.array(labels, dtype=np.int64)
    y.flags.writeable = False
    return tuple(texts), y


def _parse_line(line: str) -> tuple[str, int]:
    """One synset line: ``offset lex_filenum n w_cnt (word lex_id)* p_cnt (ptr)* | gloss``."""
    head, bar, gloss = line.partition(" | ")
    if not bar:
        raise ValueError("no ' | ' before the gloss")
    fields = head.split()
    if len(fields) < 4:
        raise ValueError(f"expected offset, lex_filenum, ss_type and w_cnt, got {head!r}")
    offset, lex_file, ss_type, w_hex = fields[:4]
    if len(offset) != 8 or not _DIGITS[10].fullmatch(offset):
        raise ValueError(f"synset_offset must be 8 digits, got {offset!r}")
    if (
        not _DIGITS[10].fullmatch(lex_file)
        or not 0 <= int(lex_file) - _FIRST_LEX_FILE < NUM_CLASSES
    ):
        raise ValueError(f"lex_filenum must be a noun file 03..28, got {lex_file!r}")
    if ss_type != "n":
        raise ValueError(f"ss_type must be 'n', got {ss_type!r}")
    w_cnt = _number(w_hex, base=16, name="w_cnt")
    p_at = 4 + 2 * w_cnt  # each word is followed by its lex_id
    if w_cnt < 1 or len(fields) <= p_at:
        raise ValueError(f"w_cnt {w_hex!r} does not match the words that follow")
    p_cnt = _number(fields[p_at], base=10, name="p_cnt")
    # Noun synsets have no verb frames: the pointers, 4 fields each, end the line.
    if len(fields) != p_at + 1 + 4 * p_cnt:
        raise ValueError(f"p_cnt {p_cnt} does not match the {len(fields) - p_at - 1} fields after")
    text = gloss.strip()
    if not text:
        raise ValueError("empty gloss")
    return text, int(lex_file) - _FIRST_LEX_FILE


def _number(field: str, *, base: int, name: str) -> int:
    # fullmatch, since int() would also take signs and underscores
    if not _DIGITS[base].fullmatch(field):
        raise ValueError(f"{name} must be a base-{base} number, got {field!r}")
    return int(field, base)


def _subsample(*, indices: np.ndarray, labels: np.ndarray, size: int) -> np.ndarray:
    """A class-stratified, fixed-seed subset of ``indices`` with ``size`` elements."""
    if size >= len(indices):
        return indices
    _, chosen = stratified_holdout(labels=labels[indices], test_size=size, seed=SPLIT_SEED)
    return indices[chosen]
