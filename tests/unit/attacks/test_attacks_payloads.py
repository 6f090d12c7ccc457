"""Payload-level attacks produce bytes the server's decoding refuses, each for its reason."""

from __future__ import annotations

import pytest
import torch

from fedprune.attacks import ATTACKS
from fedprune.codec import CodecError
from fedprune.payload import PayloadError, pack_model, unpack_model

T, F = True, False
REFERENCE = {"fc.weight": torch.zeros(4, 3), "fc.bias": torch.zeros(4)}
MASKS = {"fc.weight": (torch.arange(12) % 2 == 1).reshape(4, 3)}  # every other entry pruned
STATE = {
    "fc.weight": torch.arange(1.0, 13.0).reshape(4, 3) * MASKS["fc.weight"],
    "fc.bias": torch.ones(4),
}


def forge(kind: str) -> bytes:
    honest = pack_model(params=STATE, masks=MASKS)
    return ATTACKS.get(kind)().poison_payload(payload=honest, state=STATE, masks=MASKS)


def decode(payload: bytes) -> tuple[dict, dict]:
    return unpack_model(payload=payload, reference=REFERENCE, prunable=["fc.weight"])


def test_the_honest_payload_decodes() -> None:
    params, masks = decode(pack_model(params=STATE, masks=MASKS))

    assert torch.equal(params["fc.weight"], STATE["fc.weight"])
    assert torch.equal(masks["fc.weight"], MASKS["fc.weight"])


@pytest.mark.parametrize(
    ("kind", "error", "match"),
    [
        ("nan", PayloadError, r"fc.weight: contains NaN or Inf"),
        ("wrong_shape", PayloadError, r"fc.weight: shape \(3, 3\), expected \(4, 3\)"),
        ("forged_mask", CodecError, r"tensor 'fc.weight': 24 trailing bytes after the symbols"),
    ],
)
def test_each_malformed_payload_is_refused_for_its_reason(
    kind: str, error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        decode(forge(kind))


def test_forged_mask_keeps_a_valid_frame() -> None:
    from fedprune.payload import peek_shapes

    shapes = peek_shapes(forge("forged_mask"), max_elements=100)  # header and CRC check out

    assert shapes == {"fc.weight": (4, 3), "fc.bias": (4,)}
