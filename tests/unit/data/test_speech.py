"""Tests for the TTS-generated spoken-digit data set (needs espeak-ng and flite)."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest

from fedprune.data import speech
from fedprune.data.speech import (
    FLITE_VOICES,
    TAKES,
    enumerate_speakers,
    held_out_groups,
    load_speech_digits,
    speaker_roster,
)

pytestmark = pytest.mark.skipif(
    shutil.which("espeak-ng") is None or shutil.which("flite") is None,
    reason="needs the espeak-ng and flite synthesisers (apt-get install espeak-ng flite)",
)

SPEAKERS = 6


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    root = tmp_path_factory.mktemp("speech")
    return root, load_speech_digits(root=str(root), speakers=SPEAKERS, seed=0)


@pytest.fixture(scope="module")
def roster():
    return speaker_roster(seed=0)


def test_small_generation_has_right_shapes_labels_and_groups(generated):
    _, split = generated
    train, test = split.train, split.test

    assert len(train) + len(test) == SPEAKERS * 10 * TAKES
    assert train.x.shape[1:] == (1, 40, 49) and train.x.dtype == np.float32
    assert np.isfinite(train.x).all() and np.isfinite(test.x).all()
    assert train.num_classes == 10 and train.name == "speech_digits"
    for part in (train, test):
        speakers, counts = np.unique(part.groups, return_counts=True)
        assert np.all(counts == 10 * TAKES)
        for s in speakers:  # every speaker says every digit TAKES times
            np.testing.assert_array_equal(
                np.bincount(part.y[part.groups == s], minlength=10), np.full(10, TAKES)
            )
    assert len(np.unique(test.groups)) == 1  # round(0.2 * 6) held-out speakers
    # utterances differ: the features are not all silence or copies of one another
    assert train.x.std(axis=0).mean() > 0.5


def test_train_and_test_voice_groups_are_disjoint(generated, roster):
    _, split = generated
    by_index = {s.index: s for s in roster}
    train_voices = {by_index[i].group for i in np.unique(split.train.groups)}
    test_voices = {by_index[i].group for i in np.unique(split.test.groups)}

    assert train_voices and test_voices and not train_voices & test_voices
    assert test_voices <= held_out_groups(roster)


def test_held_out_groups_cover_both_engines_and_ignore_the_seed(roster):
    held = held_out_groups(roster)
    groups = {s.group for s in roster}

    assert held < groups
    assert len(held) == pytest.approx(0.2 * len(groups), abs=2)
    assert {g.split(":")[0] for g in held} == {"espeak-ng", "flite"}
    assert held_out_groups(speaker_roster(seed=1)) == held
    assert len(roster) >= 800
    assert sum(s.engine == "flite" for s in roster) == len(FLITE_VOICES) * 12
    assert not speech.EXCLUDED_VARIANTS & {s.variant for s in roster}
    assert "awb_time" not in {s.voice for s in roster}


def test_speaker_draws_depend_on_seed_and_name_only(roster):
    fewer = enumerate_speakers(seed=0, variants=speech._espeak_variants()[1:])
    other = enumerate_speakers(seed=1, variants=speech._espeak_variants())
    key = {s.tag: s for s in roster}

    assert all(
        (s.speed, s.pitch, s.warp, s.snr_db)
        == (key[s.tag].speed, key[s.tag].pitch, key[s.tag].warp, key[s.tag].snr_db)
        for s in fewer
    )
    assert [s.speed for s in other] != [s.speed for s in roster]


def test_second_load_comes_from_the_cache(generated, monkeypatch):
    root, first = generated

    def refuse(*args, **kwargs):
        raise AssertionError("the synthesiser ran although the cache holds the data")

    monkeypatch.setattr(subprocess, "run", refuse)
    again = load_speech_digits(root=str(root), speakers=SPEAKERS, seed=0)

    np.testing.assert_array_equal(again.train.x, first.train.x)
    np.testing.assert_array_equal(again.test.y, first.test.y)


def test_regeneration_is_identical_and_replaces_a_corrupt_cache(generated, tmp_path):
    _, first = generated
    fresh = load_speech_digits(root=str(tmp_path), speakers=SPEAKERS, seed=0)
    np.testing.assert_array_equal(fresh.train.x, first.train.x)  # same seed, same features
    np.testing.assert_array_equal(fresh.test.x, first.test.x)
    (cached,) = tmp_path.glob("speech_digits-*.npz")
    cached.write_bytes(cached.read_bytes()[:1000])

    again = load_speech_digits(root=str(tmp_path), speakers=SPEAKERS, seed=0)

    np.testing.assert_array_equal(again.train.x, first.train.x)
    assert cached.stat().st_size > 1000  # rewritten whole


def test_cache_for_another_recipe_is_not_trusted(generated, tmp_path):
    root, first = generated
    (cached,) = root.glob("speech_digits-*.npz")
    # a file under the right name whose key differs (another recipe) must be ignored
    with np.load(cached, allow_pickle=False) as npz:
        arrays = dict(npz)
    arrays["key"] = np.array("something else")
    arrays["x"] = np.zeros_like(arrays["x"])
    np.savez(tmp_path / cached.name, **arrays)

    again = load_speech_digits(root=str(tmp_path), speakers=SPEAKERS, seed=0)

    np.testing.assert_array_equal(again.train.x, first.train.x)


def test_missing_synthesiser_names_the_debian_package(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))

    with pytest.raises(RuntimeError, match=r"apt-get install espeak-ng"):
        load_speech_digits(root=str(tmp_path), speakers=SPEAKERS)


@pytest.mark.parametrize("bad", [1, 0, True, 10**6])
def test_speakers_must_be_a_sensible_count(tmp_path, bad):
    with pytest.raises(ValueError, match="speakers must be"):
        load_speech_digits(root=str(tmp_path), speakers=bad)
