"""Tests of bounds.sensitivity (T5 derivatives and monotonicity, T6 expansions)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bounds import (
    TabularProblem,
    expected_reward,
    fine_tuned_policy,
    gap_derivatives,
    suboptimality_gap,
    temperature_expansion,
    variance_split,
)
from tabular_instances import problems, random_problem

# See test_report.py: 1e-8 of the reward scale bounds float64 rounding of the expected rewards.
SCALE_RTOL = 1e-8


@settings(deadline=None, max_examples=40)
@given(problems(), st.floats(1.01, 10.0))
def test_gap_monotone_in_temperatures(case, factor):
    problem, beta, lam, scale = case
    gap = suboptimality_gap(problem, beta, lam)
    atol = SCALE_RTOL * scale

    assert suboptimality_gap(problem, beta, lam * factor) >= gap - atol
    assert suboptimality_gap(problem, beta * factor, lam) <= gap + atol


@settings(deadline=None, max_examples=40)
@given(problems())
def test_gap_derivative_signs(case):
    problem, beta, lam, _ = case
    derivatives = gap_derivatives(problem, beta, lam)

    assert derivatives.d_beta <= 0.0
    assert derivatives.d_lam >= 0.0


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("beta, lam", [(0.05, 0.2), (0.5, 0.5), (3.0, 0.1)])
def test_gap_derivative_matches_finite_difference(seed, beta, lam):
    problem = random_problem(np.random.default_rng(seed), 3, 4, 5, sparse=True, induced=bool(seed % 2))
    derivatives = gap_derivatives(problem, beta, lam)

    # Central differences with relative step h: truncation O(h²) ≈ 1e-10, rounding 1e-16/h ≈ 1e-11.
    h = 1e-5
    d_beta = (suboptimality_gap(problem, beta * (1 + h), lam) - suboptimality_gap(problem, beta * (1 - h), lam)) / (2 * h * beta)
    d_lam = (suboptimality_gap(problem, beta, lam * (1 + h)) - suboptimality_gap(problem, beta, lam * (1 - h))) / (2 * h * lam)
    assert derivatives.d_beta == pytest.approx(d_beta, rel=1e-5, abs=1e-8)
    assert derivatives.d_lam == pytest.approx(d_lam, rel=1e-5, abs=1e-8)


def test_derivatives_vanish_at_infinite_temperature():
    problem = random_problem(np.random.default_rng(5), 2, 3, 4)
    derivatives = gap_derivatives(problem, np.inf, np.inf)

    assert derivatives.d_beta == 0.0
    assert derivatives.d_lam == 0.0


@pytest.mark.parametrize("seed", range(3))
def test_expansion_error_is_second_order(seed):
    problem = random_problem(np.random.default_rng(seed), 3, 4, 5)

    errors = []
    for beta in (100.0, 200.0):
        exact = expected_reward(problem, fine_tuned_policy(problem, beta))
        errors.append(abs(exact - temperature_expansion(problem, beta, beta).fine_tuned_reward))

    # Doubling β divides an O(β⁻²) error by 4; the O(β⁻³) rest shifts the ratio by about 1%.
    assert errors[0] / errors[1] == pytest.approx(4.0, rel=0.05)


@pytest.mark.parametrize("seed", range(3))
def test_expansion_gap_vanishes_at_ratio(seed):
    problem = random_problem(np.random.default_rng(seed), 3, 4, 5)
    beta = 1e3
    expansion = temperature_expansion(problem, beta, 1.0)
    lam = expansion.vanishing_ratio * beta

    # At λ = ratio · β the first-order gap is 0, so the exact gap is O(β⁻²) ≈ 1e-6 times r² terms.
    assert abs(temperature_expansion(problem, beta, lam).gap) <= 1e-12
    assert abs(suboptimality_gap(problem, beta, lam)) <= 1e-5
    assert expansion.vanishing_ratio <= 1.0


@settings(deadline=None, max_examples=40)
@given(problems())
def test_total_variance_split(case):
    problem, _, _, scale = case
    split = variance_split(problem)

    # Variances are O(scale²); 1e-10 relative covers the rounding of k, m ≤ 6 squared terms.
    assert np.allclose(split.total, split.between + split.within, rtol=1e-10, atol=1e-10 * scale**2)
    assert np.all(split.between <= split.total + 1e-10 * scale**2)
    assert np.all(split.within >= 0.0)


def test_expansion_ratio_nan_for_constant_reward():
    problem = TabularProblem([1.0], [[2.0, 2.0]], [[0.5, 0.5]], [[1.0]])

    assert np.isnan(temperature_expansion(problem, 1.0, 1.0).vanishing_ratio)
