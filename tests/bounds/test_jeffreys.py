"""Tests of bounds.jeffreys (T8, the exact gap through Jeffreys divergences)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bounds import TabularProblem, gibbs_tilt, jeffreys_divergence, jeffreys_gap, suboptimality_gap, tilt_jeffreys, tilt_reward_gain
from tabular_instances import problems, random_problem


@settings(deadline=None, max_examples=80)
@given(problems())
def test_jeffreys_identity_matches_gap(case):
    problem, beta, lam, scale = case
    result = jeffreys_gap(problem, beta, lam)
    gap = suboptimality_gap(problem, beta, lam)

    # The two sides are computed by different formulas whose terms are O(scale); 1e-9 relative to
    # the reward scale is the identity's precision with float64 log-probabilities of size ≤ 1e10.
    assert abs(result.gap - gap) <= 1e-9 * scale
    assert np.isfinite(result.fine_tuning_gain)
    assert np.isfinite(result.prompt_gain)


@settings(deadline=None, max_examples=60)
@given(st.integers(1, 6), st.integers(0, 2**32 - 1), st.floats(-2.0, 2.0))
def test_tilt_gain_equals_temperature_times_jeffreys(k, seed, log_tau):
    rng = np.random.default_rng(seed)
    q = rng.dirichlet(np.ones(k))
    v = rng.normal(size=k)
    tau = 10.0**log_tau
    p = gibbs_tilt(q, v, tau)

    # Moderate τ keeps probabilities away from underflow, so the probability-space Jeffreys
    # divergence is exact to rounding; values are O(1).
    assert tilt_reward_gain(q, v, tau) == pytest.approx(p @ v - q @ v, abs=1e-12)
    assert tilt_jeffreys(q, v, tau) == pytest.approx(jeffreys_divergence(p, q), rel=1e-9, abs=1e-12)


def test_tilt_jeffreys_finite_at_tiny_temperature():
    # r/β = 1e10: the tilt underflows to exact zeros, yet D_J is finite from log-probabilities.
    q = np.array([0.5, 0.5])
    v = np.array([0.0, 1.0])
    gain = tilt_reward_gain(q, v, 1e-10)

    assert gain == pytest.approx(0.5, abs=1e-12)
    assert np.isfinite(tilt_jeffreys(q, v, 1e-10))


def test_tilt_gain_zero_at_infinite_temperature():
    assert tilt_reward_gain([0.3, 0.7], [1.0, 5.0], np.inf) == 0.0


def test_jeffreys_reference_mismatch_zero_when_induced():
    problem = random_problem(np.random.default_rng(0), 3, 4, 5)

    assert jeffreys_gap(problem, 1.0, 1.0).reference_mismatch == pytest.approx(0.0, abs=1e-15)


def test_reduction_identity_target():
    # π_F = identity (m = k), π_ref = ρ₀π_F = ρ₀ and λ = β: prompt optimization is fine-tuning.
    rng = np.random.default_rng(1)
    prompter = rng.dirichlet(np.ones(5), size=4)
    problem = TabularProblem(rng.dirichlet(np.ones(4)), rng.normal(size=(4, 5)), np.eye(5), prompter)
    result = jeffreys_gap(problem, 0.3, 0.3)

    # Both sides run the same tilt on the same numbers; rounding only.
    assert result.gap == pytest.approx(0.0, abs=1e-14)
    assert suboptimality_gap(problem, 0.3, 0.3) == pytest.approx(0.0, abs=1e-14)
    assert np.allclose(result.fine_tuned_jeffreys, result.prompter_jeffreys, rtol=1e-12, atol=0)
