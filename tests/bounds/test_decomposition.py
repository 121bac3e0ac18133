"""Tests of bounds.decomposition (T3: coverage + prior)."""

import numpy as np
import pytest
from hypothesis import given, settings

from bounds import (
    TabularProblem,
    best_prompt,
    decomposition_bound,
    lp_coverage_bound,
    optimal_prompter_limit,
    prompter_reward,
    single_prompt_coverage_tv,
    solve_gap,
    total_variation,
)
from tabular_instances import problems, random_problem

# See test_report.py: 1e-8 of the reward scale bounds float64 rounding of the expected rewards.
SCALE_RTOL = 1e-8


@settings(deadline=None, max_examples=60)
@given(problems())
def test_decomposition_terms_and_bounds(case):
    problem, beta, lam, scale = case
    solution = solve_gap(problem, beta, lam)
    result = decomposition_bound(problem, beta, lam, solution=solution)
    atol = SCALE_RTOL * scale

    assert abs(result.gap_coverage + result.gap_prior - solution.gap) <= atol
    assert result.gap_prior >= -atol
    assert result.prior_log_bound >= result.gap_prior - atol
    assert result.prior_inverse_bound >= result.gap_prior - atol
    assert result.prior_bound >= result.gap_prior - atol
    assert result.coverage_bound >= result.gap_coverage - atol
    assert np.isfinite(result.value)


def test_best_prompt_ties_take_largest_mass():
    # Prompts 0 and 2 tie at r̄ = 1 (both deterministic on response 0); ρ₀ puts more mass on 2.
    problem = TabularProblem(
        context_probs=[1.0],
        reward=[[1.0, 0.0]],
        target_policy=[[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]],
        reference_prompter=[[0.2, 0.3, 0.5]],
    )
    best = best_prompt(problem)

    assert best.index[0] == 2
    assert best.mass[0] == 0.5
    assert best.value[0] == 1.0


def test_best_prompt_ignores_off_support():
    # Prompt 1 has the higher value but ρ₀ gives it no mass, so no KL-regularized prompter reaches it.
    problem = TabularProblem([1.0], [[0.0, 1.0]], [[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0]])
    best = best_prompt(problem)

    assert best.index[0] == 0
    assert best.value[0] == 0.0


def test_prior_gap_approaches_log_bound_rate():
    # Two prompts, values 1 and 0, ρ₀(b) = 0.1: Δ_prior = 1 − ρ*(b) with ρ*(b) = 0.1/(0.1 + 0.9 e^{−1/λ}).
    problem = TabularProblem([1.0], [[1.0, 0.0]], [[1.0, 0.0], [0.0, 1.0]], [[0.1, 0.9]])
    lam = 0.5
    result = decomposition_bound(problem, 1.0, lam)
    expected = 1.0 - 0.1 / (0.1 + 0.9 * np.exp(-1.0 / lam))

    # Closed form against the batched path, O(1) numbers.
    assert result.gap_prior == pytest.approx(expected, abs=1e-14)
    assert result.prior_log_bound == pytest.approx(lam * np.log(10.0), abs=1e-14)
    assert result.prior_inverse_bound == pytest.approx(lam * 10.0 / np.e, abs=1e-14)
    assert result.prior_bound == pytest.approx(min(lam * np.log(10.0), lam * 10.0 / np.e), abs=1e-14)


def test_prior_gap_vanishes_in_zero_lam_limit():
    problem = random_problem(np.random.default_rng(3), 3, 4, 5, sparse=True)
    best = best_prompt(problem)
    limit_reward = prompter_reward(problem, optimal_prompter_limit(problem))

    # λ → 0 prompter sits on the best supported prompt, so Δ_prior → 0.
    assert limit_reward == pytest.approx((problem.context_probs * best.value).sum(), abs=1e-12)


def test_single_prompt_coverage_matches_loop():
    rng = np.random.default_rng(4)
    problem = random_problem(rng, 3, 5, 4, batch=(2,), sparse=True)
    policy = rng.dirichlet(np.ones(4), size=(2, 3))
    tv = single_prompt_coverage_tv(problem, policy)

    for b in range(2):
        for x in range(3):
            supported = [
                total_variation(policy[b, x], problem.target_policy[b, j])
                for j in range(5)
                if problem.reference_prompter[b, x, j] > 0
            ]
            assert tv[b, x] == min(supported)


def test_lp_coverage_at_most_single_prompt():
    rng = np.random.default_rng(5)
    problem = random_problem(rng, 3, 5, 4, batch=(2,))
    solution = solve_gap(problem, 0.3, 0.3)
    lp = lp_coverage_bound(problem, solution.fine_tuned)
    decomposition = decomposition_bound(problem, 0.3, 0.3, solution=solution)

    # Solver tolerance ~1e-8 on TV values in [0, 1], rewards O(1).
    assert np.all(lp <= decomposition.coverage_bound + 1e-12)
    assert np.all(lp >= decomposition.gap_coverage - 1e-7)


def test_lp_coverage_mixture_beats_single_prompt():
    # The policy is the even mixture of two target rows; the LP finds distance 0, single prompts 0.5.
    policy = np.array([[0.5, 0.5]])

    unit = TabularProblem([1.0], [[0.0, 1.0]], [[1.0, 0.0], [0.0, 1.0]], [[0.5, 0.5]])

    assert single_prompt_coverage_tv(unit, policy)[0] == 0.5
    # Span 1, so the bound equals the LP distance, 0 up to the solver tolerance ~1e-8.
    assert lp_coverage_bound(unit, policy) == pytest.approx(0.0, abs=1e-7)
