"""The stage registries and the body layout of each mask encoding."""

from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest

from fedprune.codec import ENTROPY, MASKS, VALUES, CodecError
from fedprune.codec.masks.gaps import rice_parameter
from fedprune.codec.reader import Reader
from fedprune.codec.stages import StageRegistry, WireStage


def test_builtin_stages_are_registered_with_distinct_wire_ids() -> None:
    ids = {
        reg.kind: {name: reg.get(name).wire_id for name in reg.names()}
        for reg in (MASKS, VALUES, ENTROPY)
    }

    assert ids == {
        "mask encoding": {"bitmap": 2, "dense": 1, "gaps": 3, "known": 4},
        "value encoding": {"bf16": 3, "fp16": 2, "fp32": 1, "int": 4, "ternary": 5},
        "entropy coder": {"ans": 3, "raw": 1, "zstd": 2, "zstd-split": 4},
    }
    assert all(MASKS.by_id(i) is MASKS.get(n) for n, i in ids["mask encoding"].items())
    assert MASKS.by_id(0) is None and VALUES.by_id(0) is None and ENTROPY.by_id(0) is None


def test_a_reused_wire_id_or_id_zero_is_refused() -> None:
    registry: StageRegistry[WireStage] = StageRegistry("thing")

    class A(WireStage):
        wire_id = 1

    class B(WireStage):
        wire_id = 1

    class Zero(WireStage):
        wire_id = 0

    registry.register("a")(A)
    with pytest.raises(ValueError, match="wire_id 1 is taken by 'a'"):
        registry.register("b")(B)
    with pytest.raises(ValueError, match=r"1\.\.255"):
        registry.register("zero")(Zero)
    assert registry.names() == ["a"]


def test_bitmap_section_is_little_bit_order_with_zero_padding() -> None:
    mask = np.zeros(10, dtype=bool)
    mask[[0, 3, 9]] = True

    section = MASKS.get("bitmap")().encode(mask)

    assert section == bytes([0b0000_1001, 0b0000_0010])


def test_gaps_section_layout_for_a_small_mask() -> None:
    # kept indices 2, 3, 9 -> gaps 2, 0, 5; mean 7/3 picks k = 1
    mask = np.zeros(12, dtype=bool)
    mask[[2, 3, 9]] = True

    section = MASKS.get("gaps")().encode(mask)

    assert section is not None
    k, count, unary_bits = struct.unpack_from("<BQQ", section)
    assert (k, count, unary_bits) == (1, 3, 2 + 1 + 3)  # quotients 1, 0, 2
    # unary 01 1 001 (LSB first) -> bits 1, 2, 5 set; remainders 0, 0, 1
    assert section[17:] == bytes([0b0010_0110, 0b0000_0100])
    decoded = MASKS.get("gaps")().decode(Reader(section), n=12, known=None)
    assert decoded is not None and decoded.tolist() == mask.tolist()


@pytest.mark.parametrize(("density", "expected_k"), [(0.5, 0), (0.1, 3), (0.01, 6)])
def test_rice_parameter_follows_density(density: float, expected_k: int) -> None:
    rng = np.random.default_rng(0)
    kept = np.flatnonzero(rng.random(200_000) < density)
    gaps = np.diff(kept, prepend=-1) - 1

    assert rice_parameter(gaps) == expected_k


def test_gaps_refuses_indices_past_the_tensor() -> None:
    mask = np.zeros(12, dtype=bool)
    mask[[2, 11]] = True
    section = MASKS.get("gaps")().encode(mask)
    assert section is not None

    with pytest.raises(CodecError, match="past the tensor"):
        MASKS.get("gaps")().decode(Reader(section), n=11, known=None)


def test_known_section_is_count_and_crc_of_the_packed_mask() -> None:
    mask = np.array([True, False, True, True])

    section = MASKS.get("known")().encode(mask)

    packed = np.packbits(mask, bitorder="little")
    assert section == struct.pack("<QI", 3, zlib.crc32(packed))


def test_dense_refuses_a_mask_and_sparse_encodings_require_one() -> None:
    with pytest.raises(ValueError, match="no mask"):
        MASKS.get("dense")().encode(np.ones(3, bool))
    for name in ("bitmap", "gaps", "known"):
        with pytest.raises(ValueError, match="needs"):
            MASKS.get(name)().encode(None)
