"""Tests for the shared hashing tokenizer."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fedprune.data.tokenize import hash_tokenize, token_id, word_tokens


def test_ids_are_the_documented_crc32_bucket():
    # zlib.crc32(b"dog") == 2167159165 and crc32(b"domestic dog") == 3029255896 on every
    # platform and process, unlike the salted built-in hash().
    assert token_id(token="dog", vocab_size=2**14) == 1 + 2167159165 % (2**14 - 1) == 15926
    assert token_id(token="domestic dog", vocab_size=100) == 1 + 3029255896 % 99 == 41


def test_hash_tokenize_lowercases_splits_and_pads():
    x = hash_tokenize(texts=["The DOG,", ""], vocab_size=100, max_len=4)

    assert x.dtype == np.int64
    assert x.shape == (2, 4)
    # "the" -> 1 + crc32(b"the") % 99 = 49, "dog" -> 62
    assert x.tolist() == [[49, 62, 0, 0], [0, 0, 0, 0]]


def test_hash_tokenize_truncates_to_max_len():
    x = hash_tokenize(texts=["a b c d e"], vocab_size=1000, max_len=3)

    expected = [token_id(token=t, vocab_size=1000) for t in "abc"]
    assert x.tolist() == [expected]


def test_bigrams_follow_the_unigrams():
    tokens = word_tokens(text="Domestic dog; pet", bigrams=True)
    x = hash_tokenize(texts=["Domestic dog; pet"], vocab_size=100, max_len=6, bigrams=True)

    assert tokens == ["domestic", "dog", "pet", "domestic dog", "dog pet"]
    assert x[0, 3] == 41  # "domestic dog", see test_ids_are_the_documented_crc32_bucket
    assert x[0, 5] == 0
    plain = hash_tokenize(texts=["Domestic dog; pet"], vocab_size=100, max_len=6)
    np.testing.assert_array_equal(x[0, :3], plain[0, :3])


def test_word_tokens_drop_punctuation_and_split_on_it():
    assert word_tokens(text="(e.g., Rock'n'roll) 1960s!") == [
        "e",
        "g",
        "rock",
        "n",
        "roll",
        "1960s",
    ]


@settings(max_examples=50, deadline=None)
@given(
    texts=st.lists(st.text(max_size=60), max_size=5),
    vocab_size=st.integers(2, 50),
    max_len=st.integers(1, 8),
    bigrams=st.booleans(),
)
def test_ids_lie_in_range_and_padding_only_trails(texts, vocab_size, max_len, bigrams):
    x = hash_tokenize(texts=texts, vocab_size=vocab_size, max_len=max_len, bigrams=bigrams)

    assert x.shape == (len(texts), max_len)
    assert ((x >= 0) & (x < vocab_size)).all()
    for row, text in zip(x, texts, strict=True):
        n = min(len(word_tokens(text=text, bigrams=bigrams)), max_len)
        assert (row[:n] >= 1).all()
        assert (row[n:] == 0).all()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"texts": "one text", "vocab_size": 10, "max_len": 4}, "texts must be a sequence"),
        ({"texts": ["ok", 3], "vocab_size": 10, "max_len": 4}, "texts must be a sequence"),
        ({"texts": ["ok"], "vocab_size": 1, "max_len": 4}, "vocab_size must be an int >= 2"),
        ({"texts": ["ok"], "vocab_size": True, "max_len": 4}, "vocab_size must be an int >= 2"),
        ({"texts": ["ok"], "vocab_size": 10, "max_len": 0}, "max_len must be an int >= 1"),
        ({"texts": ["ok"], "vocab_size": 10, "max_len": 2.0}, "max_len must be an int >= 1"),
    ],
)
def test_hash_tokenize_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        hash_tokenize(**kwargs)
