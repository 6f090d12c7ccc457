"""Server optimiser rules on small exact numbers, and the zero-in, zero-out property."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from fedprune.strategy.serveropt_math import adagrad_step, adam_step, momentum_step, yogi_step


def t(*values: float) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.float64)


ZERO = t(0.0)


# --- FedAvgM ------------------------------------------------------------------------------


def test_momentum_one_step() -> None:
    out = momentum_step(delta=t(1.0, -2.0), m=t(0.5, 0.0), server_lr=0.5, server_momentum=0.5)

    # m = 0.5 * [0.5, 0] + [1, -2] = [1.25, -2]; step = 0.5 m
    assert torch.equal(out.m, t(1.25, -2.0))
    assert torch.equal(out.step, t(0.625, -1.0))
    assert out.v is None


def test_momentum_two_steps_accumulate() -> None:
    first = momentum_step(delta=t(2.0), m=ZERO, server_lr=0.5, server_momentum=0.5)
    second = momentum_step(delta=t(2.0), m=first.m, server_lr=0.5, server_momentum=0.5)

    # m1 = 2, step 1; m2 = 0.5 * 2 + 2 = 3, step 1.5
    assert torch.equal(first.step, t(1.0))
    assert torch.equal(second.step, t(1.5))


def test_momentum_with_unit_lr_and_no_momentum_is_the_pseudo_gradient() -> None:
    delta = t(0.3, -7.0)

    out = momentum_step(delta=delta, m=t(5.0, 5.0), server_lr=1.0, server_momentum=0.0)

    assert torch.equal(out.step, delta)


# --- FedAdam ------------------------------------------------------------------------------

ADAM = {"server_lr": 1.0, "beta1": 0.75, "beta2": 0.75, "tau": 2.0, "bias_correction": False}


def test_adam_without_bias_correction_two_steps() -> None:
    first = adam_step(delta=t(4.0), m=ZERO, v=ZERO, t=1, **ADAM)
    second = adam_step(delta=t(-2.0), m=first.m, v=first.v, t=2, **ADAM)

    # m1 = 0.25 * 4 = 1, v1 = 0.25 * 16 = 4, step 1 / (2 + 2)
    assert (first.m, first.v, first.step) == (t(1.0), t(4.0), t(0.25))
    # m2 = 0.75 - 0.5 = 0.25, v2 = 3 + 1 = 4, step 0.25 / (2 + 2)
    assert (second.m, second.v, second.step) == (t(0.25), t(4.0), t(0.0625))


def test_adam_bias_correction_two_steps() -> None:
    opts = {**ADAM, "bias_correction": True, "tau": 4.0}

    first = adam_step(delta=t(4.0), m=ZERO, v=ZERO, t=1, **opts)
    second = adam_step(delta=t(-2.0), m=first.m, v=first.v, t=2, **opts)

    # m_hat1 = 1 / 0.25 = 4, v_hat1 = 4 / 0.25 = 16: step 4 / (4 + 4)
    assert first.step == t(0.5)
    assert (first.m, first.v) == (t(1.0), t(4.0))  # stored moments are uncorrected
    # m_hat2 = 0.25 / (1 - 0.75^2), v_hat2 = 4 / (1 - 0.75^2)
    expected = (0.25 / 0.4375) / (math.sqrt(4 / 0.4375) + 4.0)
    torch.testing.assert_close(second.step, t(expected), rtol=1e-12, atol=0)


def test_adam_with_a_stationary_pseudo_gradient_moves_by_the_server_lr() -> None:
    m, v = torch.zeros(3, dtype=torch.float64), torch.zeros(3, dtype=torch.float64)
    delta = t(0.5, -2.0, 0.01)
    steps = []
    for step in range(1, 6):
        out = adam_step(
            delta=delta, m=m, v=v, t=step, server_lr=0.01, beta1=0.9, beta2=0.99, tau=1e-3
        )
        m, v = out.m, out.v
        steps.append(out.step)

    # bias-corrected moments are exactly delta and delta^2: step = lr * delta / (|delta| + tau)
    expected = 0.01 * delta / (delta.abs() + 1e-3)
    for s in steps:
        torch.testing.assert_close(s, expected, rtol=1e-9, atol=0)
    assert torch.allclose(steps[0][:2].abs(), t(0.01, 0.01), rtol=0.01)


def test_adam_rejects_a_step_count_below_one() -> None:
    with pytest.raises(ValueError, match="t must be >= 1"):
        adam_step(delta=ZERO, m=ZERO, v=ZERO, t=0, **ADAM)


# --- FedYogi ------------------------------------------------------------------------------

YOGI = {"server_lr": 1.0, "beta1": 0.75, "beta2": 0.75, "tau": 2.0}


def test_yogi_first_step_matches_adam_from_zero() -> None:
    out = yogi_step(delta=t(4.0), m=ZERO, v=ZERO, **YOGI)

    # v = 0 - 0.25 * 16 * sign(0 - 16) = 4; m = 1; step 1 / (2 + 2)
    assert (out.m, out.v, out.step) == (t(1.0), t(4.0), t(0.25))


def test_yogi_keeps_v_where_adam_would_decay_it() -> None:
    out = yogi_step(delta=ZERO, m=t(1.0), v=t(4.0), **YOGI)

    # delta^2 = 0: v = 4 - 0.25 * 0 * sign(4) = 4 (Adam: 0.75 * 4 = 3); m = 0.75
    assert (out.m, out.v, out.step) == (t(0.75), t(4.0), t(0.1875))


def test_yogi_moves_v_additively_towards_delta_squared() -> None:
    up = yogi_step(delta=t(4.0), m=ZERO, v=t(8.0), **YOGI)
    down = yogi_step(delta=t(2.0), m=ZERO, v=t(8.0), **YOGI)

    # v < delta^2 = 16: v + 0.25 * 16 = 12; v > delta^2 = 4: v - 0.25 * 4 = 7
    assert up.v == t(12.0)
    assert down.v == t(7.0)


# --- FedAdagrad ---------------------------------------------------------------------------


def test_adagrad_two_steps_accumulate_squares() -> None:
    opts = {"server_lr": 1.0, "beta1": 0.0, "tau": 3.0}

    first = adagrad_step(delta=t(3.0), m=ZERO, v=ZERO, **opts)
    second = adagrad_step(delta=t(4.0), m=first.m, v=first.v, **opts)

    # v1 = 9, step 3 / (3 + 3); v2 = 25, step 4 / (5 + 3)
    assert (first.v, first.step) == (t(9.0), t(0.5))
    assert (second.v, second.step) == (t(25.0), t(0.5))


def test_adagrad_first_moment_uses_beta1() -> None:
    out = adagrad_step(delta=t(4.0), m=t(2.0), v=t(0.0), server_lr=1.0, beta1=0.5, tau=1.0)

    # m = 0.5 * 2 + 0.5 * 4 = 3, v = 16: step 3 / (4 + 1)
    assert out.m == t(3.0)
    torch.testing.assert_close(out.step, t(0.6), rtol=1e-12, atol=0)


# --- every rule ---------------------------------------------------------------------------

RULES = {
    "momentum": lambda d, m, v: momentum_step(delta=d, m=m, server_lr=0.3, server_momentum=0.9),
    "adam": lambda d, m, v: adam_step(
        delta=d, m=m, v=v, t=3, server_lr=0.1, beta1=0.9, beta2=0.99, tau=1e-3
    ),
    "yogi": lambda d, m, v: yogi_step(
        delta=d, m=m, v=v, server_lr=0.1, beta1=0.9, beta2=0.99, tau=1e-3
    ),
    "adagrad": lambda d, m, v: adagrad_step(delta=d, m=m, v=v, server_lr=0.1, beta1=0.5, tau=1e-3),
}

floats = st.floats(min_value=-100, max_value=100, allow_nan=False)


@settings(max_examples=40, deadline=None)
@given(
    rule=st.sampled_from(sorted(RULES)),
    rows=st.lists(
        st.tuples(floats, floats, st.floats(0, 100), st.booleans()), min_size=1, max_size=8
    ),
)
def test_zero_delta_and_moments_give_an_exactly_zero_step(
    rule: str, rows: list[tuple[float, float, float, bool]]
) -> None:
    keep = torch.tensor([k for *_, k in rows])
    delta, m, v = (torch.tensor([r[i] for r in rows]) * keep for i in range(3))
    before = (delta.clone(), m.clone(), v.clone())

    out = RULES[rule](delta, m, v)

    assert bool((out.step[~keep] == 0).all())
    assert bool((out.m[~keep] == 0).all())
    assert out.v is None or bool((out.v[~keep] == 0).all())
    assert all(torch.equal(a, b) for a, b in zip(before, (delta, m, v), strict=True))
