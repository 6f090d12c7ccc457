"""Value encodings through the wire: exact floats, torch-equal casts, quantiser error bounds."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from fedprune.codec import ValueSpec, decode, encode_pipeline
from fedprune.codec.values.uniform import qmax_for


def randn(*shape: int, seed: int = 0) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed))


def roundtrip(
    t: torch.Tensor, pipeline: str, seed: int | None = None, **kw: object
) -> torch.Tensor:
    payload = encode_pipeline(tensors={"w": t}, pipeline=pipeline, rng=seed, **kw)  # type: ignore[arg-type]
    return decode(payload).tensors["w"]


@pytest.mark.parametrize(("pipeline", "dtype"), [("fp16", torch.float16), ("bf16", torch.bfloat16)])
def test_half_precisions_equal_torch_casts(pipeline: str, dtype: torch.dtype) -> None:
    t = torch.cat([randn(1000) * 1e3, torch.tensor([0.0, -0.0, 1e-8, 7e4, -1e39, float("inf")])])

    out = roundtrip(t, pipeline)

    expected = t.to(dtype).to(torch.float32)
    assert torch.equal(out.view(torch.int32), expected.view(torch.int32))


@pytest.mark.parametrize("pipeline", ["fp16", "bf16"])
def test_half_precisions_keep_nan(pipeline: str) -> None:
    out = roundtrip(torch.tensor([float("nan"), 1.0]), pipeline)

    assert torch.isnan(out[0]) and out[1] == 1.0


def test_fp32_pipeline_is_bitwise_exact() -> None:
    t = randn(3, 5)
    t.view(torch.int32)[0, 0] = 0x7FC0_1234

    out = roundtrip(t, "fp32+zstd")

    assert torch.equal(out.view(torch.int32), t.view(torch.int32))


@pytest.mark.parametrize("bits", [8, 4, 2])
@pytest.mark.parametrize("per_channel", [False, True])
def test_deterministic_int_error_is_at_most_half_a_step(bits: int, per_channel: bool) -> None:
    t = randn(16, 50) * torch.linspace(0.01, 10, 16)[:, None]
    spec = ValueSpec(kind="int", bits=bits, per_channel=per_channel)

    out = roundtrip(t, f"{spec}+zstd")

    absmax = t.abs().amax(dim=1, keepdim=True) if per_channel else t.abs().max()
    scale = absmax / qmax_for(bits)
    err = (out - t).abs()
    assert bool((err <= scale / 2 * (1 + 1e-5) + 1e-7).all())
    assert bool((out.abs() <= absmax * (1 + 1e-6)).all())


@pytest.mark.parametrize("bits", [8, 2])
def test_stochastic_int_rounding_is_unbiased(bits: int) -> None:
    t = randn(200) * 3
    draws = torch.stack([roundtrip(t, f"int{bits}(stochastic)", seed=s) for s in range(400)])
    scale = float(t.abs().max()) / qmax_for(bits)

    bias = (draws.mean(0) - t).abs().max().item()

    # Each draw errs by < 1 step, so the mean of 400 has sd <= 0.025 steps per element;
    # measured worst of 200 elements: 0.067 steps (int8), 0.064 (int2). Round-to-nearest
    # would be biased by up to 0.5 steps.
    assert bias < 0.12 * scale
    assert abs((draws - t).mean().item()) < 0.01 * scale  # measured 0.0003 steps
    assert (draws - t).abs().max().item() < scale * (1 + 1e-5)


def test_stochastic_rounding_requires_an_rng_and_is_reproducible_with_a_seed() -> None:
    t = randn(100)

    with pytest.raises(ValueError, match="needs an rng"):
        roundtrip(t, "int8(stochastic)")
    assert torch.equal(roundtrip(t, "int4(stochastic)", 7), roundtrip(t, "int4(stochastic)", 7))
    assert not torch.equal(roundtrip(t, "int4(stochastic)", 7), roundtrip(t, "int4(stochastic)", 8))
    gen_a, gen_b = np.random.default_rng(3), np.random.default_rng(3)
    assert torch.equal(
        roundtrip(t, "int2(stochastic)", gen_a),
        roundtrip(t, "int2(stochastic)", gen_b),  # type: ignore[arg-type]
    )


def test_ternary_reconstructs_sign_and_mean_magnitude_of_the_top_k() -> None:
    t = torch.tensor([0.1, -4.0, 2.0, -0.2, 0.0, 3.0])

    out = roundtrip(t, "topk(0.5)+ternary")

    assert out.tolist() == [0.0, -3.0, 3.0, 0.0, 0.0, 3.0]


def test_per_channel_ternary_uses_each_rows_mean() -> None:
    t = torch.tensor([[1.0, -3.0], [0.5, 0.0]])

    out = roundtrip(t, "ternary(channel)+ans")

    assert out.tolist() == [[2.0, -2.0], [0.25, 0.0]]


@pytest.mark.parametrize("pipeline", ["int8", "ternary"])
def test_lossy_encodings_refuse_non_finite_values(pipeline: str) -> None:
    with pytest.raises(ValueError, match="finite"):
        roundtrip(torch.tensor([1.0, float("inf")]), pipeline)


def test_per_channel_scales_respect_the_mask() -> None:
    t = torch.tensor([[100.0, 1.0], [2.0, 0.5]])
    mask = torch.tensor([[False, True], [True, True]])

    payload = encode_pipeline(tensors={"w": t}, masks={"w": mask}, pipeline="int8(channel)")
    out = decode(payload).tensors["w"]

    # Row 0's scale comes from its kept 1.0, not the pruned 100.
    assert out[0, 1].item() == 1.0 and out[0, 0].item() == 0.0
    assert abs(out[1, 0].item() - 2.0) < 1e-6
