"""Tests for the WordNet noun-gloss dataset, on small files in WordNet's data.noun format."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from fedprune.data import wordnet
from fedprune.data.base import DATASETS
from fedprune.data.tokenize import hash_tokenize
from fedprune.data.wordnet import (
    CLASS_NAMES,
    NUM_CLASSES,
    TEST_SIZE,
    load_wordnet,
    read_glosses,
    split_indices,
)

REAL = Path("/usr/share/wordnet/data.noun")
HEADER = (
    "  1 This software and database is being provided to you, the LICENSEE, by  \n"
    "  2 Princeton University under the following license.  |  \n"
    "  3   \n"
)


def synset(offset: int, lex_file: int, words: list[str], pointers: int, gloss: str) -> str:
    """One data.noun line: hex w_cnt, a lex_id per word, 4 fields per pointer, then the gloss."""
    word_fields = " ".join(f"{w} 0" for w in words)
    ptr_fields = "".join(f" @ {offset + 1 + i:08d} n 0000" for i in range(pointers))
    return (
        f"{offset:08d} {lex_file:02d} n {len(words):02x} {word_fields} {pointers:03d}"
        f"{ptr_fields} | {gloss}  \n"
    )


DOG = synset(
    2084071,
    5,
    ["dog", "domestic_dog", "Canis_familiaris"],
    2,
    'a member of the genus Canis; "the dog barked all night"',
)
OAK = synset(12268246, 20, ["oak", "oak_tree"], 0, "a deciduous tree of the genus Quercus")
TOPS = synset(1740, 3, ["entity"], 1, "that which is perceived or known")
TIME = synset(15113229, 28, ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"], 1, "a span")


def write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "data.noun"
    path.write_text(HEADER + "".join(lines), encoding="utf-8")
    return path


def test_read_glosses_skips_the_header_and_labels_by_lex_file(tmp_path):
    path = write(tmp_path, DOG, OAK, TOPS, TIME)

    texts, labels = read_glosses(path=path)

    assert texts == (
        'a member of the genus Canis; "the dog barked all night"',
        "a deciduous tree of the genus Quercus",
        "that which is perceived or known",
        "a span",
    )
    assert labels.dtype == np.int64
    assert [CLASS_NAMES[i] for i in labels] == [
        "noun.animal",
        "noun.plant",
        "noun.Tops",
        "noun.time",
    ]


@pytest.mark.parametrize(
    ("bad", "match"),
    [
        ("00001740 03 n 01 entity 0 000 that which is\n", "no ' | '"),
        ("0001740 03 n 01 entity 0 000 | x\n", "synset_offset must be 8 digits"),
        ("00001740 02 n 01 entity 0 000 | x\n", "lex_filenum must be a noun file"),
        ("00001740 29 n 01 entity 0 000 | x\n", "lex_filenum must be a noun file"),
        ("00001740 03 v 01 entity 0 000 | x\n", "ss_type must be 'n'"),
        ("00001740 03 n 0g entity 0 000 | x\n", "w_cnt must be a base-16 number"),
        ("00001740 03 n 02 entity 0 000 | x\n", "w_cnt '02' does not match"),
        ("00001740 03 n 01 entity 0 001 | x\n", "p_cnt 1 does not match"),
        ("00001740 03 n 01 entity 0 +01 | x\n", "p_cnt must be a base-10 number"),
        ("00001740 03 n 01 entity 0 000 |  \n", "empty gloss"),
        ("\n", "no ' | '"),
    ],
)
def test_a_malformed_line_names_the_file_and_line(tmp_path, bad, match):
    path = write(tmp_path, DOG, bad, OAK)

    # 3 header lines, then DOG on line 4: the bad line is line 5.
    with pytest.raises(ValueError, match=match) as err:
        read_glosses(path=path)
    assert str(path) in str(err.value)
    assert "line 5:" in str(err.value)


def test_a_file_with_only_the_header_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="no synset lines"):
        read_glosses(path=write(tmp_path))


def test_a_missing_file_says_how_to_install_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="apt-get install wordnet-base"):
        load_wordnet(root=str(tmp_path / "nowhere"))


@pytest.fixture
def synthetic_root(tmp_path: Path) -> Path:
    """10,400 synsets, 400 per class, each gloss naming its class, in WordNet's format."""
    lines = [
        synset(i, 3 + i % NUM_CLASSES, [f"w{i}"], i % 3, f"gloss {i} of {CLASS_NAMES[i % 26]}")
        for i in range(400 * NUM_CLASSES)
    ]
    write(tmp_path, *lines)
    return tmp_path


def test_load_wordnet_tokenizes_glosses_with_a_fixed_stratified_split(synthetic_root):
    split = load_wordnet(root=str(synthetic_root), vocab_size=500, max_len=6)

    assert DATASETS.get("wordnet") is load_wordnet
    assert len(split.test) == TEST_SIZE
    assert len(split.train) == 400 * NUM_CLASSES - TEST_SIZE
    for part in (split.train, split.test):
        assert part.x.dtype == np.int64
        assert part.x.shape[1] == 6
        assert (part.num_classes, part.name, part.vocab_size) == (NUM_CLASSES, "wordnet", 500)
        assert np.bincount(part.y, minlength=NUM_CLASSES).min() > 0
    # Row 0 of train is synset 0 unless it went to test; either way its ids are its gloss's.
    texts, labels = read_glosses(path=synthetic_root / "data.noun")
    train, _ = split_indices(labels=labels)
    expected = hash_tokenize(texts=[texts[train[0]]], vocab_size=500, max_len=6)
    np.testing.assert_array_equal(split.train.x[0], expected[0])
    assert split.train.y[0] == labels[train[0]]


def test_load_wordnet_is_deterministic(synthetic_root):
    first = load_wordnet(root=str(synthetic_root), vocab_size=500, max_len=6)
    again = load_wordnet(root=str(synthetic_root), vocab_size=500, max_len=6)

    np.testing.assert_array_equal(first.test.x, again.test.x)
    np.testing.assert_array_equal(first.train.y, again.train.y)


def test_limit_draws_stratified_subsets_of_the_fixed_parts():
    labels = np.repeat(np.arange(NUM_CLASSES, dtype=np.int64), 400)
    full_train, full_test = split_indices(labels=labels)

    train, test = split_indices(labels=labels, limit=1000)

    assert len(train) + len(test) == 1000
    assert len(test) == round(1000 * TEST_SIZE / len(labels))  # 769
    assert set(train) <= set(full_train)
    assert set(test) <= set(full_test)
    assert np.bincount(labels[train], minlength=NUM_CLASSES).min() > 0
    assert np.bincount(labels[test], minlength=NUM_CLASSES).min() > 0


def test_limit_reaches_load_wordnet(synthetic_root):
    split = load_wordnet(root=str(synthetic_root), vocab_size=500, max_len=6, limit=52)

    assert len(split.train) + len(split.test) == 52
    assert len(split.test) == 40  # round(52 * 8000 / 10400)


@pytest.mark.parametrize("limit", [1, 0, True, 2.5])
def test_limit_must_be_an_int_of_at_least_two(limit):
    with pytest.raises(ValueError, match="limit must be None or an int >= 2"):
        load_wordnet(limit=limit)


@pytest.mark.skipif(not REAL.exists(), reason="Debian wordnet-base is not installed")
def test_the_real_wordnet_noun_file():
    texts, labels = read_glosses(path=REAL)
    counts = np.bincount(labels, minlength=NUM_CLASSES)

    assert len(texts) == 82_115
    assert (counts > 0).all()
    assert counts[CLASS_NAMES.index("noun.Tops")] == 51
    assert counts[CLASS_NAMES.index("noun.person")] == 11_087
    assert texts[0].startswith("that which is perceived or known or inferred")
    split = wordnet.load_wordnet()
    assert split.train.x.shape == (82_115 - TEST_SIZE, wordnet.MAX_LEN)
    assert split.test.x.shape == (TEST_SIZE, wordnet.MAX_LEN)
    assert (np.bincount(split.test.y, minlength=NUM_CLASSES) > 0).all()
