"""Pairwise keys (X25519 + HKDF) and the AES-GCM channel that carries shares."""

from __future__ import annotations

import random

import pytest

from fedprune.secagg.channel import CIPHERTEXT_BYTES, ChannelError, open_shares, seal_shares
from fedprune.secagg.keys import MASK_LABEL, SHARE_LABEL, RoundSecrets, agree
from fedprune.secagg.shamir import ELEMENT_BYTES


def _secrets(tag: int) -> RoundSecrets:
    rng = random.Random(tag)
    return RoundSecrets.generate(randbytes=rng.randbytes)


def test_both_ends_derive_the_same_seed_and_labels_and_rounds_separate_keys() -> None:
    u, v = _secrets(1), _secrets(2)
    uv = agree(private=u.s_sk, peer_public=v.s_pk, label=MASK_LABEL, rnd=3)
    assert uv == agree(private=v.s_sk, peer_public=u.s_pk, label=MASK_LABEL, rnd=3)
    assert len(uv) == 32
    assert uv != agree(private=u.s_sk, peer_public=v.s_pk, label=SHARE_LABEL, rnd=3)
    assert uv != agree(private=u.s_sk, peer_public=v.s_pk, label=MASK_LABEL, rnd=4)
    w = _secrets(3)
    assert uv != agree(private=u.s_sk, peer_public=w.s_pk, label=MASK_LABEL, rnd=3)


def test_mask_and_share_keys_are_independent_key_pairs() -> None:
    s = _secrets(7)
    assert s.c_pk != s.s_pk and len(s.c_pk) == len(s.s_pk) == 32


def test_a_bad_public_key_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="key agreement failed"):
        agree(private=_secrets(1).s_sk, peer_public=b"short", label=MASK_LABEL, rnd=0)


def _sealed(**over: object) -> tuple[bytes, bytes]:
    key = bytes(range(32))
    args = {"key": key, "rnd": 1, "sender": 4, "receiver": 9}
    ct = seal_shares(**args, s_share=b"s" * ELEMENT_BYTES, b_share=b"b" * ELEMENT_BYTES)  # type: ignore[arg-type]
    return key, ct


def test_shares_open_for_their_receiver_only() -> None:
    key, ct = _sealed()
    assert len(ct) == CIPHERTEXT_BYTES
    s, b = open_shares(key=key, rnd=1, sender=4, receiver=9, ciphertext=ct)
    assert (s, b) == (b"s" * ELEMENT_BYTES, b"b" * ELEMENT_BYTES)


@pytest.mark.parametrize(
    "change",
    [
        {"rnd": 2},
        {"sender": 5},
        {"receiver": 8},
        {"key": bytes(32)},
    ],
)
def test_misrouted_replayed_or_wrong_key_shares_do_not_open(change: dict) -> None:
    key, ct = _sealed()
    args = {"key": key, "rnd": 1, "sender": 4, "receiver": 9} | change
    with pytest.raises(ChannelError, match="do not open"):
        open_shares(**args, ciphertext=ct)


def test_a_flipped_bit_does_not_open() -> None:
    key, ct = _sealed()
    bad = bytearray(ct)
    bad[10] ^= 1
    with pytest.raises(ChannelError):
        open_shares(key=key, rnd=1, sender=4, receiver=9, ciphertext=bytes(bad))
