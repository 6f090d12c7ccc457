"""AES-256-GCM sealing: round trip, and a clear one-line error for any wrong key or change."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from fedprune.checkpoint.sealed import (
    HEADER_BYTES,
    MAGIC,
    SealError,
    key_from_env,
    key_from_file,
    parse_key,
    seal,
    unseal,
)

KEY = bytes(range(32))
OTHER = bytes(range(1, 33))


def test_round_trip() -> None:
    blob = seal(b"weights", key=KEY, name="model.safetensors", tag="fedprune.model")

    assert blob.startswith(MAGIC)
    assert b"weights" not in blob
    assert unseal(blob, key=KEY, name="model.safetensors", tag="fedprune.model") == b"weights"


def test_every_file_gets_a_fresh_nonce() -> None:
    a = seal(b"same", key=KEY, name="f", tag="t")
    b = seal(b"same", key=KEY, name="f", tag="t")

    assert a[len(MAGIC) + 1 : HEADER_BYTES] != b[len(MAGIC) + 1 : HEADER_BYTES]
    assert a != b


@pytest.mark.parametrize(
    ("key", "name", "tag"),
    [(OTHER, "f", "t"), (KEY, "renamed", "t"), (KEY, "f", "other-kind")],
)
def test_wrong_key_name_or_tag_fails_authentication(key: bytes, name: str, tag: str) -> None:
    blob = seal(b"data", key=KEY, name="f", tag="t")

    with pytest.raises(SealError, match="wrong key, or the file was modified"):
        unseal(blob, key=key, name=name, tag=tag)


@pytest.mark.parametrize("offset", [len(MAGIC) + 1, HEADER_BYTES, -1])
def test_any_flipped_byte_is_detected(offset: int) -> None:
    blob = bytearray(seal(b"some checkpoint bytes", key=KEY, name="f", tag="t"))
    blob[offset] ^= 1

    with pytest.raises(SealError):
        unseal(bytes(blob), key=KEY, name="f", tag="t")


def test_an_unknown_version_and_a_plain_file_are_named() -> None:
    blob = bytearray(seal(b"x", key=KEY, name="f", tag="t"))
    blob[len(MAGIC)] = 9

    with pytest.raises(SealError, match="version 9"):
        unseal(bytes(blob), key=KEY, name="f", tag="t")
    with pytest.raises(SealError, match="not encrypted"):
        unseal(b"plain", key=KEY, name="f", tag="t")


def test_keys_parse_from_hex_and_base64() -> None:
    assert parse_key(KEY.hex(), source="s") == KEY
    assert parse_key(KEY.hex().upper() + "\n", source="s") == KEY
    assert parse_key(base64.b64encode(KEY).decode(), source="s") == KEY
    assert parse_key(base64.urlsafe_b64encode(OTHER).decode(), source="s") == OTHER


@pytest.mark.parametrize("text", ["", "abc", KEY.hex()[:-2], base64.b64encode(bytes(16)).decode()])
def test_a_malformed_key_is_refused_without_echoing_it(text: str) -> None:
    with pytest.raises(SealError, match="32 bytes") as info:
        parse_key(text, source="environment variable K")

    assert "environment variable K" in str(info.value)
    assert not text or text not in str(info.value)


def test_keys_come_from_an_env_var_or_a_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("FP_KEY", KEY.hex())
    (tmp_path / "key").write_text(base64.b64encode(OTHER).decode() + "\n")

    assert key_from_env("FP_KEY") == KEY
    assert key_from_file(tmp_path / "key") == OTHER
    with pytest.raises(SealError, match="FP_NONE"):
        key_from_env("FP_NONE")
    with pytest.raises(SealError, match="cannot read key file"):
        key_from_file(tmp_path / "missing")
