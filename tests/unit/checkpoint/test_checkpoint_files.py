"""Atomic whole-file writes, sealed to ``NAME.enc`` when a key is given."""

from __future__ import annotations

from pathlib import Path

import pytest

from fedprune.checkpoint import SealError, read_file, write_file

KEY = bytes(range(32))


def test_plain_round_trip_leaves_no_temporary_file(tmp_path: Path) -> None:
    written = write_file(tmp_path / "a.json", b"{}", tag="t")

    assert written == tmp_path / "a.json"
    assert read_file(tmp_path / "a.json", tag="t") == b"{}"
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]


def test_sealed_round_trip_writes_name_enc(tmp_path: Path) -> None:
    written = write_file(tmp_path / "a.json", b"secret", key=KEY, tag="t")

    assert written == tmp_path / "a.json.enc"
    assert b"secret" not in written.read_bytes()
    assert read_file(tmp_path / "a.json", key=KEY, tag="t") == b"secret"


def test_reading_sealed_without_a_key_or_plain_with_one_is_a_clear_error(tmp_path: Path) -> None:
    write_file(tmp_path / "sealed.bin", b"x", key=KEY, tag="t")
    write_file(tmp_path / "plain.bin", b"x", tag="t")

    with pytest.raises(SealError, match=r"sealed\.bin is encrypted: give its key"):
        read_file(tmp_path / "sealed.bin", tag="t")
    with pytest.raises(SealError, match=r"plain\.bin is not encrypted, but a key was given"):
        read_file(tmp_path / "plain.bin", key=KEY, tag="t")


def test_a_sealed_file_renamed_to_the_plain_name_is_still_refused(tmp_path: Path) -> None:
    write_file(tmp_path / "a.bin", b"x", key=KEY, tag="t").rename(tmp_path / "a.bin")

    with pytest.raises(SealError, match="encrypted"):
        read_file(tmp_path / "a.bin", tag="t")


def test_a_missing_file_is_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_file(tmp_path / "none.bin", tag="t")
