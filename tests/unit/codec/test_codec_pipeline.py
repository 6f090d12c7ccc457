"""Pipeline text: parsing, canonical form, and errors that name the bad stage."""

from __future__ import annotations

import pytest
import torch

from fedprune.codec import Pipeline, ValueSpec, decode, encode, encode_pipeline, parse_pipeline


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("fp32", Pipeline()),
        ("topk(0.1)+int8+zstd", Pipeline(topk=0.1, values=ValueSpec(kind="int"), entropy="zstd")),
        (
            "mask-known+fp16+zstd(9)",
            Pipeline(mask="known", values=ValueSpec(kind="fp16"), entropy="zstd", zstd_level=9),
        ),
        (
            " gaps + int4(channel, stochastic) + ans ",
            Pipeline(
                mask="gaps",
                values=ValueSpec(kind="int", bits=4, per_channel=True, stochastic=True),
                entropy="ans",
            ),
        ),
        ("topk(0.01)+ternary", Pipeline(topk=0.01, values=ValueSpec(kind="ternary"))),
    ],
)
def test_parse_and_canonical_text_round_trip(text: str, expected: Pipeline) -> None:
    pipeline = parse_pipeline(text)

    assert pipeline == expected
    assert parse_pipeline(str(pipeline)) == pipeline


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty pipeline"),
        ("int8+lz4", r"unknown stage 'lz4'.*allowed: topk\(f\), mask-known"),
        ("int3", "unknown stage 'int3'"),
        ("int8+fp16", "'fp16' repeats the values set by 'int8'"),
        ("topk(2)", "topk must be in"),
        ("topk(x)", "'x' is not a number"),
        ("topk", "takes one number"),
        ("zstd(fast)", "optional integer level"),
        ("zstd(30)", "zstd_level must be in 1..22"),
        ("fp16(channel)", "per_channel applies to int and ternary"),
        ("int8(wide)", "unknown options"),
        ("topk(0.1)+mask-known", "cannot be mask-known"),
        ("fp32+ans", "ans codes quantised values"),
        ("bitmap(1)", "takes no arguments"),
        ("int8)", "cannot parse stage"),
    ],
)
def test_bad_pipelines_raise_value_errors_naming_the_stage(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_pipeline(text)


def test_plain_encode_is_the_fp32_pipeline() -> None:
    t = {"w": torch.randn(40), "b": torch.randn(3)}
    masks = {"w": torch.arange(40) % 7 == 0}

    assert encode(tensors=t, masks=masks) == encode_pipeline(
        tensors=t, masks=masks, pipeline="fp32"
    )
    assert encode(tensors=t, masks=masks) == Pipeline().encode(tensors=t, masks=masks)


def test_topk_makes_and_sends_a_mask_within_the_given_one() -> None:
    t = torch.tensor([5.0, -9.0, 1.0, 8.0, -2.0, 0.5])
    allowed = torch.tensor([True, False, True, True, True, True])

    out = decode(encode_pipeline(tensors={"w": t}, masks={"w": allowed}, pipeline="topk(0.4)"))

    # ceil(0.4 * 5 allowed) = 2 largest among the allowed: 8 and 5 (not the pruned -9).
    assert out.masks["w"].tolist() == [True, False, False, True, False, False]
    assert out.tensors["w"].tolist() == [5.0, 0.0, 0.0, 8.0, 0.0, 0.0]


def test_value_spec_validates_fields() -> None:
    with pytest.raises(ValueError, match="kind must be one of"):
        ValueSpec(kind="int16")
    with pytest.raises(ValueError, match="bits must be one of"):
        ValueSpec(kind="int", bits=3)
    with pytest.raises(ValueError, match="stochastic applies to int only"):
        ValueSpec(kind="ternary", stochastic=True)
