"""Central baselines on the WordNet noun-gloss task: TF-IDF + logistic regression, and the same
regression on the hashing tokenizer's bag of words (what the federated models see).

Rerun: ``.venv/bin/python benchmarks/text_central.py [--quick] [--vocab-sizes 16384 65536]``.
Writes ``benchmarks/results/text_central.json`` and prints a markdown table. Data: Debian
``wordnet-base`` ``data.noun`` (82,115 synsets, 26 lexicographer classes), the fixed stratified
split of ``fedprune.data.wordnet`` (74,115 train / 8,000 test). Both runs fit
``LogisticRegression(C=10, lbfgs)`` on TF-IDF weights fitted on the training part only; the
hashed rows count the ids of ``hash_tokenize`` (truncated at ``max_len``, padding dropped), so
the gap between the rows is the cost of hashing, truncation and the tokenizer's word pattern.
``--quick`` keeps a 10,000-synset stratified subsample.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from common import markdown_table, write_result
from scipy.sparse import csr_matrix
from sklearn.feature_extraction.text import TfidfTransformer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from fedprune.data.wordnet import (
    DEFAULT_ROOT,
    MAX_LEN,
    SPLIT_SEED,
    VOCAB_SIZE,
    load_wordnet,
    read_glosses,
    split_indices,
)

QUICK_LIMIT = 10_000


def fit_score(
    *, train: csr_matrix, y_train: np.ndarray, test: csr_matrix, y_test: np.ndarray, c: float
) -> dict[str, float]:
    tfidf = TfidfTransformer().fit(train)
    start = time.perf_counter()
    model = LogisticRegression(C=c, max_iter=2000).fit(tfidf.transform(train), y_train)
    fit_s = time.perf_counter() - start
    return {
        "test_accuracy": float(model.score(tfidf.transform(test), y_test)),
        "train_accuracy": float(model.score(tfidf.transform(train), y_train)),
        "features": int(train.shape[1]),
        "fit_seconds": round(fit_s, 1),
    }


def bag_of_ids(x: np.ndarray, *, vocab_size: int) -> csr_matrix:
    """Count matrix ``(N, vocab_size)`` of token ids, padding (id 0) left out."""
    rows = np.repeat(np.arange(len(x)), x.shape[1])
    ids = x.ravel()
    keep = ids != 0
    ones = np.ones(int(keep.sum()))
    return csr_matrix((ones, (rows[keep], ids[keep])), shape=(len(x), vocab_size))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_LIMIT:,} synsets only")
    parser.add_argument("--vocab-sizes", type=int, nargs="+", default=[VOCAB_SIZE])
    parser.add_argument("--max-len", type=int, default=MAX_LEN)
    parser.add_argument("--c", type=float, default=10.0, help="inverse L2 strength of the LR")
    args = parser.parse_args()
    limit = QUICK_LIMIT if args.quick else None

    figures: dict[str, dict[str, float]] = {}
    for vocab_size in args.vocab_sizes:
        split = load_wordnet(vocab_size=vocab_size, max_len=args.max_len, limit=limit)
        name = f"hashed ids, vocab {vocab_size}, max_len {args.max_len}"
        figures[name] = fit_score(
            train=bag_of_ids(split.train.x, vocab_size=vocab_size),
            y_train=split.train.y,
            test=bag_of_ids(split.test.x, vocab_size=vocab_size),
            y_test=split.test.y,
            c=args.c,
        )
        print(f"{name}: {figures[name]}", flush=True)

    # The same synsets as load_wordnet's split, as raw text: its rows are train then test,
    # each in file order, so the labels must agree exactly.
    texts, labels = read_glosses(path=f"{DEFAULT_ROOT}/data.noun")
    train, test = split_indices(labels=labels, limit=limit)
    # load_wordnet's rows are its train then test indices in this order; check they line up.
    if not np.array_equal(
        labels[np.concatenate([train, test])], np.concatenate([split.train.y, split.test.y])
    ):
        raise RuntimeError("text split and load_wordnet split disagree")
    vectorizer = TfidfVectorizer().fit([texts[i] for i in train])
    name = "TF-IDF words (sklearn defaults)"
    figures[name] = fit_score(
        train=vectorizer.transform([texts[i] for i in train]),
        y_train=labels[train],
        test=vectorizer.transform([texts[i] for i in test]),
        y_test=labels[test],
        c=args.c,
    )
    print(f"{name}: {figures[name]}", flush=True)

    rows = [
        [
            n,
            f"{f['test_accuracy']:.4f}",
            f"{f['train_accuracy']:.4f}",
            f"{f['features']:,}",
            f"{f['fit_seconds']}",
        ]
        for n, f in figures.items()
    ]
    print(
        markdown_table(["features", "test accuracy", "train accuracy", "dimensions", "fit s"], rows)
    )
    path = write_result(
        "text_central" + ("_quick" if args.quick else ""),
        figures=figures,
        settings={
            "train": len(train),
            "test": len(test),
            "C": args.c,
            "max_len": args.max_len,
            "vocab_sizes": args.vocab_sizes,
            "split_seed": SPLIT_SEED,
        },
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
