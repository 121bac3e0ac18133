"""KL-budget optima: root finding against cvxpy, the Lagrange conditions and the exact edge cases."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bounds import (
    TabularProblem,
    expected_kl,
    expected_reward,
    fine_tuned_policy,
    fine_tuned_policy_limit,
    gibbs_limit,
    gibbs_tilt,
    kl_divergence,
    optimal_prompter,
    optimal_prompter_limit,
)
from bounds.constrained import fine_tuning_under_budget, max_reward_under_kl, prompt_optimization_under_budget
from bounds.convex import solve_fine_tuning_under_budget, solve_prompt_optimization_under_budget

# brentq stops at 1e-13 in log(1/τ); the KL then matches the budget to far better than 1e-9.
KL_ATOL = 1e-9
# The cvxpy optimum converges in value to about 1e-9 with the tightened interior-point tolerances.
REWARD_ATOL = 1e-6


def random_problem(seed, n=4, m=5, k=6):
    rng = np.random.default_rng(seed)
    return TabularProblem(
        context_probs=rng.dirichlet(np.ones(n)),
        reward=rng.normal(size=(n, k)),
        target_policy=rng.dirichlet(np.ones(k), size=m),
        reference_prompter=rng.dirichlet(np.ones(m), size=n),
    )


def largest_kl(problem):
    """Return κ for both problems: the expected KL of the τ → 0 limits."""
    fine_tuning = expected_kl(problem, fine_tuned_policy_limit(problem), problem.reference_policy)
    prompt = expected_kl(problem, optimal_prompter_limit(problem), problem.reference_prompter)
    return float(fine_tuning), float(prompt)


@pytest.mark.slow
@pytest.mark.parametrize("fraction", [0.05, 0.4, 0.9])
@pytest.mark.parametrize("seed", [1, 2])
def test_budget_matches_cvxpy(fraction, seed):
    problem = random_problem(seed)
    fine_tuning_kappa, prompt_kappa = largest_kl(problem)

    fine_tuning = fine_tuning_under_budget(problem, fraction * fine_tuning_kappa)
    prompt = prompt_optimization_under_budget(problem, fraction * prompt_kappa)
    _, fine_tuning_reward, _ = solve_fine_tuning_under_budget(problem, fraction * fine_tuning_kappa)
    _, prompt_reward, _ = solve_prompt_optimization_under_budget(problem, fraction * prompt_kappa)

    assert abs(fine_tuning.reward - fine_tuning_reward) < REWARD_ATOL
    assert abs(prompt.reward - prompt_reward) < REWARD_ATOL
    assert fine_tuning.binding
    assert prompt.binding
    assert abs(fine_tuning.kl - fraction * fine_tuning_kappa) < KL_ATOL
    assert abs(prompt.kl - fraction * prompt_kappa) < KL_ATOL


@pytest.mark.parametrize("fraction", [1e-6, 0.3, 0.99])
def test_budget_solution_is_gibbs_tilt(fraction):
    problem = random_problem(3)
    fine_tuning_kappa, prompt_kappa = largest_kl(problem)

    fine_tuning = fine_tuning_under_budget(problem, fraction * fine_tuning_kappa)
    prompt = prompt_optimization_under_budget(problem, fraction * prompt_kappa)

    # Lagrange condition: the optimum is the penalized optimum at the returned temperature.
    np.testing.assert_allclose(fine_tuning.distribution, fine_tuned_policy(problem, fine_tuning.temperature), atol=1e-12, rtol=0)
    np.testing.assert_allclose(prompt.distribution, optimal_prompter(problem, prompt.temperature), atol=1e-12, rtol=0)
    assert abs(expected_kl(problem, fine_tuning.distribution, problem.reference_policy) - fraction * fine_tuning_kappa) < KL_ATOL
    assert abs(expected_reward(problem, fine_tuning.distribution) - fine_tuning.reward) < 1e-12


def test_slack_budget_returns_limit():
    problem = random_problem(4)
    fine_tuning_kappa, _ = largest_kl(problem)

    for budget in (fine_tuning_kappa, 2 * fine_tuning_kappa, np.inf):
        solution = fine_tuning_under_budget(problem, budget)
        np.testing.assert_array_equal(solution.distribution, fine_tuned_policy_limit(problem))
        assert solution.temperature == 0.0
        assert not solution.binding
        assert abs(solution.kl - fine_tuning_kappa) < 1e-12


def test_zero_budget_returns_reference():
    problem = random_problem(5)

    solution = prompt_optimization_under_budget(problem, 0.0)

    np.testing.assert_array_equal(solution.distribution, problem.reference_prompter)
    assert solution.temperature == np.inf
    assert solution.kl == 0.0
    assert solution.binding


def test_constant_values_are_slack():
    reference = np.array([0.2, 0.5, 0.3])

    for budget in (0.0, 0.1):
        solution = max_reward_under_kl(reference, np.full(3, 2.5), budget)
        np.testing.assert_allclose(solution.distribution, reference, atol=1e-15, rtol=0)
        assert not solution.binding
        assert abs(solution.reward - 2.5) < 1e-12


def test_budget_reward_increases_with_budget():
    problem = random_problem(6)
    fine_tuning_kappa, _ = largest_kl(problem)

    rewards = [float(fine_tuning_under_budget(problem, budget).reward) for budget in np.linspace(0, fine_tuning_kappa, 12)]

    assert np.all(np.diff(rewards) > 0)


def test_per_context_batch_matches_single_calls():
    rng = np.random.default_rng(7)
    reference = rng.dirichlet(np.ones(5), size=(2, 3))
    values = rng.normal(size=(2, 3, 5))
    budgets = rng.uniform(0.01, 0.2, size=(2, 3))

    batched = max_reward_under_kl(reference, values, budgets)

    assert batched.distribution.shape == (2, 3, 5)
    assert batched.reward.shape == (2, 3)
    for index in np.ndindex(2, 3):
        single = max_reward_under_kl(reference[index], values[index], budgets[index])
        np.testing.assert_array_equal(batched.distribution[index], single.distribution)
        assert batched.temperature[index] == single.temperature


def test_per_context_support_zero_stays_zero():
    reference = np.array([0.0, 0.25, 0.75, 0.0])
    values = np.array([10.0, 1.0, 0.0, 5.0])

    solution = max_reward_under_kl(reference, values, 0.5)
    # The largest reachable KL is log(1/0.25) ≈ 1.386 nats, so a budget of 0.5 binds.
    assert solution.binding
    assert solution.distribution[0] == 0.0
    assert solution.distribution[3] == 0.0
    assert abs(kl_divergence(solution.distribution, reference) - 0.5) < KL_ATOL


def test_large_values_stay_finite():
    reference = np.array([0.1, 0.3, 0.6])
    values = np.array([1e6, 0.0, -1e6])

    solution = max_reward_under_kl(reference, values, 0.5)

    assert np.all(np.isfinite(solution.distribution))
    assert abs(solution.kl - 0.5) < KL_ATOL


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), fraction=st.floats(0.01, 0.99), k=st.integers(2, 8))
def test_budget_beats_feasible_mixtures(seed, fraction, k):
    rng = np.random.default_rng(seed)
    reference = rng.dirichlet(np.ones(k))
    values = rng.normal(size=k)
    kappa = float(kl_divergence(gibbs_limit(reference, values), reference))
    budget = fraction * kappa

    solution = max_reward_under_kl(reference, values, budget)

    assert abs(solution.kl - budget) < KL_ATOL
    # Any other feasible distribution earns at most the optimum (mixtures toward random points,
    # and tilts at other temperatures that fit the budget).
    candidates = [(1 - a) * reference + a * rng.dirichlet(np.ones(k)) for a in rng.uniform(0, 1, 20)]
    candidates += [gibbs_tilt(reference, values, tau) for tau in np.logspace(-2, 2, 20)]
    for candidate in candidates:
        if kl_divergence(candidate, reference) <= budget:
            assert candidate @ values <= solution.reward + 1e-12


def test_budget_rejects_bad_input():
    problem = random_problem(8)

    with pytest.raises(ValueError, match="epsilon"):
        fine_tuning_under_budget(problem, -0.1)
    with pytest.raises(ValueError, match="epsilon"):
        prompt_optimization_under_budget(problem, np.nan)
    with pytest.raises(ValueError, match="epsilon"):
        fine_tuning_under_budget(problem, [0.1, 0.2])
    with pytest.raises(ValueError, match="values"):
        max_reward_under_kl(np.full(3, 1 / 3), np.zeros(4), 0.1)
    with pytest.raises(ValueError, match="reference"):
        max_reward_under_kl(np.array([0.5, 0.6]), np.zeros(2), 0.1)
