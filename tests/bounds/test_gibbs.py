"""Tests of bounds.gibbs and bounds.optima: closed forms, limits, supports, values."""

import numpy as np
import pytest
from hypothesis import given, settings

from bounds import (
    TabularProblem,
    fine_tuned_policy,
    fine_tuned_policy_limit,
    fine_tuned_value,
    fine_tuning_objective,
    gibbs_limit,
    gibbs_tilt,
    gibbs_value,
    log_gibbs_tilt,
    optimal_prompter,
    optimal_prompter_limit,
    prompt_objective,
    prompt_optimized_value,
    solve_gap,
    suboptimality_gap,
)
from tabular_instances import problems, random_problem


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("temperature", [1e-2, 0.3, 1.0, 10.0])
def test_value_identity(seed, temperature):
    problem = random_problem(np.random.default_rng(seed), 4, 5, 6, sparse=True, induced=bool(seed % 2))

    # Objective at the optimum against the log-sum-exp value, O(1) numbers: 1e-10 as specified.
    policy = fine_tuned_policy(problem, temperature)
    assert fine_tuning_objective(problem, policy, temperature) == pytest.approx(fine_tuned_value(problem, temperature), abs=1e-10)
    prompter = optimal_prompter(problem, temperature)
    assert prompt_objective(problem, prompter, temperature) == pytest.approx(prompt_optimized_value(problem, temperature), abs=1e-10)


@pytest.mark.parametrize("beta", [1e-3, 0.5, 7.0])
def test_two_response_log_odds_shift(beta):
    reference = np.array([0.3, 0.7])
    values = np.array([1.5, -0.25])
    log_tilted = log_gibbs_tilt(np.log(reference), values, beta)
    shift = (log_tilted[0] - log_tilted[1]) - np.log(reference[0] / reference[1])

    # At β = 1e-3 the log-odds are ~1750 (e^{-1750} underflows, so compare log-probabilities).
    assert shift == pytest.approx((values[0] - values[1]) / beta, rel=1e-12)


def test_zero_temperature_limit_splits_ties_by_reference():
    reference = np.array([0.1, 0.2, 0.3, 0.4])
    values = np.array([1.0, 2.0, 2.0, 0.0])

    assert np.allclose(gibbs_limit(reference, values), [0.0, 0.4, 0.6, 0.0], rtol=0, atol=1e-15)
    # The tilt at a tiny temperature agrees with the limit (other entries are e^{-1e6}, i.e. 0).
    assert np.allclose(gibbs_tilt(reference, values, 1e-6), [0.0, 0.4, 0.6, 0.0], rtol=0, atol=1e-15)


def test_limits_of_problem_optima():
    problem = random_problem(np.random.default_rng(4), 3, 4, 5, sparse=True)

    # At τ = 1e-9 the next-best entries are suppressed by e^{-gap/1e-9}; continuous rewards never tie.
    assert np.allclose(fine_tuned_policy(problem, 1e-9), fine_tuned_policy_limit(problem), rtol=0, atol=1e-12)
    assert np.allclose(optimal_prompter(problem, 1e-9), optimal_prompter_limit(problem), rtol=0, atol=1e-12)


def test_infinite_temperature_returns_reference():
    problem = random_problem(np.random.default_rng(5), 3, 4, 5)

    assert np.allclose(fine_tuned_policy(problem, np.inf), problem.reference_policy, rtol=0, atol=1e-15)
    assert np.allclose(optimal_prompter(problem, np.inf), problem.reference_prompter, rtol=0, atol=1e-15)
    assert gibbs_value([0.25, 0.75], [4.0, 0.0], np.inf) == pytest.approx(1.0, abs=1e-15)


def test_huge_reward_over_temperature_stays_finite():
    values = np.array([1e6, -1e6, 0.0])
    tilted = gibbs_tilt([0.2, 0.3, 0.5], values, 1e-4)

    assert np.all(np.isfinite(tilted))
    assert tilted[0] == 1.0
    assert gibbs_value([0.2, 0.3, 0.5], values, 1e-4) == pytest.approx(1e6 + 1e-4 * np.log(0.2), rel=1e-15)


def test_zero_reference_mass_stays_zero():
    tilted = gibbs_tilt([0.0, 0.5, 0.5], [100.0, 0.0, 1.0], 0.01)

    assert tilted[0] == 0.0
    assert gibbs_limit([0.0, 0.5, 0.5], [100.0, 0.0, 1.0])[0] == 0.0


@settings(deadline=None, max_examples=50)
@given(problems())
def test_optima_finite_on_random_instances(case):
    problem, beta, lam, _ = case
    solution = solve_gap(problem, beta, lam)

    assert np.all(np.isfinite(solution.fine_tuned))
    assert np.all(np.isfinite(solution.prompter))
    assert np.isfinite(solution.gap)
    # Rows stay on the simplex after the log-space normalization (k, m ≤ 6 terms).
    assert np.allclose(solution.fine_tuned.sum(axis=-1), 1.0, rtol=0, atol=1e-12)
    assert np.allclose(solution.prompter.sum(axis=-1), 1.0, rtol=0, atol=1e-12)
    assert np.all(solution.prompter[problem.reference_prompter == 0] == 0.0)


def test_reduction_identity_target():
    # π_F = identity (m = k, x' = y) and λ = β: the optimal prompter induces the fine-tuned policy.
    rng = np.random.default_rng(6)
    problem = TabularProblem(rng.dirichlet(np.ones(3)), rng.normal(size=(3, 4)), np.eye(4), rng.dirichlet(np.ones(4), size=3))
    solution = solve_gap(problem, 0.4, 0.4)

    assert problem.reference_is_induced()
    assert np.allclose(solution.induced, solution.fine_tuned, rtol=0, atol=1e-15)
    assert suboptimality_gap(problem, 0.4, 0.4) == pytest.approx(0.0, abs=1e-15)


@pytest.mark.parametrize("bad", [0.0, -1.0, np.nan])
def test_temperature_rejected(bad):
    problem = random_problem(np.random.default_rng(7), 2, 2, 2)

    with pytest.raises(ValueError, match="beta: got"):
        fine_tuned_policy(problem, bad)
    with pytest.raises(ValueError, match="lam: got"):
        optimal_prompter(problem, bad)
