"""Reward–KL frontiers: matched-budget dominance, data processing, endpoints and the budget link."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bounds import TabularProblem, expected_reward, fine_tuned_policy_limit, expected_kl
from bounds.frontier import (
    default_temperatures,
    fine_tuning_frontier,
    frontier_at_budget,
    prompt_frontier,
    prompt_frontier_output_kl,
)

# Frontier values are sums of float64 products of order one; 1e-12 covers the rounding.
ROUNDING_ATOL = 1e-12
# The budget solution meets its KL to 1e-9 (brentq), and the reward moves by at most τ⁻¹ times that.
BUDGET_ATOL = 1e-8


def random_problem(seed, n, m, k, batch=()):
    rng = np.random.default_rng(seed)
    return TabularProblem(
        context_probs=rng.dirichlet(np.ones(n), size=batch),
        reward=rng.normal(size=(*batch, n, k)),
        target_policy=rng.dirichlet(np.ones(k), size=(*batch, m)),
        reference_prompter=rng.dirichlet(np.ones(m), size=(*batch, n)),
    )


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 3), m=st.integers(1, 4), k=st.integers(2, 5))
def test_prompt_frontier_below_fine_tuning(seed, n, m, k):
    problem = random_problem(seed, n, m, k)
    assert problem.reference_is_induced()
    kappa = float(expected_kl(problem, fine_tuned_policy_limit(problem), problem.reference_policy))
    budgets = np.linspace(0.0, 1.2 * kappa + 0.1, 9)

    frontier = frontier_at_budget(problem, budgets)

    assert np.all(frontier.prompt_reward <= frontier.fine_tuning_reward + BUDGET_ATOL)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 3), m=st.integers(1, 4), k=st.integers(2, 5))
def test_output_kl_below_prompt_kl(seed, n, m, k):
    problem = random_problem(seed, n, m, k)
    grid = default_temperatures(n_points=9)

    prompt_space = prompt_frontier(problem, grid)
    response_space = prompt_frontier_output_kl(problem, grid)

    assert np.all(response_space.kl <= prompt_space.kl + ROUNDING_ATOL)
    np.testing.assert_array_equal(response_space.reward, prompt_space.reward)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_prompt_points_dominated_at_their_kl(seed):
    problem = random_problem(seed, 3, 4, 5)
    grid = default_temperatures(n_points=15)[1:-1]

    prompt = prompt_frontier(problem, grid)
    at_prompt_kl = frontier_at_budget(problem, prompt.kl)

    assert np.all(prompt.reward <= at_prompt_kl.fine_tuning_reward + BUDGET_ATOL)


def test_frontier_points_solve_budget_problem():
    problem = random_problem(4, 3, 4, 5)
    grid = np.logspace(-1, 1, 7)

    frontier = fine_tuning_frontier(problem, grid)
    at_budget = frontier_at_budget(problem, frontier.kl)

    np.testing.assert_allclose(at_budget.fine_tuning_reward, frontier.reward, atol=BUDGET_ATOL, rtol=0)
    np.testing.assert_allclose(at_budget.fine_tuning_temperature, grid, rtol=1e-6)


def test_frontier_endpoints_are_limits():
    problem = random_problem(5, 3, 4, 5)
    grid = default_temperatures(n_points=5)

    fine_tuning = fine_tuning_frontier(problem, grid)

    assert fine_tuning.kl[-1] < ROUNDING_ATOL
    assert abs(fine_tuning.reward[-1] - expected_reward(problem, problem.reference_policy)) < ROUNDING_ATOL
    assert abs(fine_tuning.reward[0] - expected_reward(problem, fine_tuned_policy_limit(problem))) < ROUNDING_ATOL
    assert abs(fine_tuning.reward[0] - frontier_at_budget(problem, [np.inf]).fine_tuning_reward[0]) < ROUNDING_ATOL


def test_frontier_monotone_in_temperature():
    problem = random_problem(6, 3, 4, 5)
    grid = default_temperatures(n_points=25)

    for frontier in (fine_tuning_frontier(problem, grid), prompt_frontier(problem, grid)):
        assert np.all(np.diff(frontier.kl) <= ROUNDING_ATOL)
        assert np.all(np.diff(frontier.reward) <= ROUNDING_ATOL)


def test_identity_target_frontiers_coincide():
    rng = np.random.default_rng(7)
    k = 4
    problem = TabularProblem(rng.dirichlet(np.ones(2)), rng.normal(size=(2, k)), np.eye(k), rng.dirichlet(np.ones(k), size=2))
    grid = default_temperatures(n_points=7)

    fine_tuning = fine_tuning_frontier(problem, grid)
    prompt = prompt_frontier(problem, grid)

    # With π_F the identity, prompts are responses and both problems are the same.
    np.testing.assert_allclose(prompt.kl, fine_tuning.kl, atol=ROUNDING_ATOL, rtol=0)
    np.testing.assert_allclose(prompt.reward, fine_tuning.reward, atol=ROUNDING_ATOL, rtol=0)


def test_frontier_batched_shapes():
    problem = random_problem(8, 2, 3, 4, batch=(3,))
    grid = default_temperatures(n_points=5)

    frontier = prompt_frontier(problem, grid)
    at_budget = frontier_at_budget(problem, [0.0, 0.1])

    assert frontier.kl.shape == (7, 3)
    assert frontier.reward.shape == (7, 3)
    assert at_budget.prompt_reward.shape == (2, 3)
    assert np.all(at_budget.prompt_reward <= at_budget.fine_tuning_reward + BUDGET_ATOL)


def test_default_temperatures_grid():
    grid = default_temperatures(scale=2.0, n_points=7, decades=3.0)

    assert grid[0] == 0.0
    assert grid[-1] == np.inf
    assert grid.shape == (9,)
    np.testing.assert_allclose(grid[1:-1], 2.0 * np.logspace(-3, 3, 7), rtol=1e-15)


def test_frontier_rejects_bad_input():
    problem = random_problem(9, 2, 3, 4)

    with pytest.raises(ValueError, match="temperatures"):
        fine_tuning_frontier(problem, [-1.0, 1.0])
    with pytest.raises(ValueError, match="temperatures"):
        prompt_frontier(problem, np.ones((2, 2)))
    with pytest.raises(ValueError, match="budgets"):
        frontier_at_budget(problem, [])
    with pytest.raises(ValueError, match="scale"):
        default_temperatures(scale=0.0)
