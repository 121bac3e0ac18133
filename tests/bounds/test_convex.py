"""cvxpy solves against the closed forms, and the coverage LP against independent formulations."""

import cvxpy as cp
import numpy as np
import pytest
from scipy.optimize import linprog

from bounds import (
    TabularProblem,
    fine_tuned_policy,
    fine_tuned_value,
    fine_tuning_objective,
    optimal_prompter,
    prompt_objective,
    prompt_optimized_value,
    total_variation,
)
from bounds.convex import _solve, coverage_distance_lp, solve_fine_tuning, solve_prompt_optimization

# Interior-point primal solutions of exponential-cone programs are accurate to about the square
# root of the duality gap (1e-10 here), so policies get 2e-5; values converge linearly and get 1e-6.
POLICY_ATOL = 2e-5
VALUE_ATOL = 1e-6
# The coverage LP is solved by an interior-point method to about 1e-9; 1e-7 leaves a margin.
LP_ATOL = 1e-7


def random_problem(seed, n, m, k, sparse_prompter=False):
    rng = np.random.default_rng(seed)
    reference_prompter = rng.dirichlet(np.ones(m), size=n)
    if sparse_prompter:
        # Drop about a third of the prompts per context, keeping at least one.
        keep = rng.random((n, m)) > 0.35
        keep[np.arange(n), rng.integers(m, size=n)] = True
        reference_prompter = np.where(keep, reference_prompter, 0.0)
        reference_prompter /= reference_prompter.sum(axis=-1, keepdims=True)
    return TabularProblem(
        context_probs=rng.dirichlet(np.ones(n)),
        reward=rng.normal(size=(n, k)),
        target_policy=rng.dirichlet(np.ones(k), size=m),
        reference_prompter=reference_prompter,
    )


@pytest.mark.slow
@pytest.mark.parametrize("temperature", [0.1, 1.0, 10.0])
@pytest.mark.parametrize("sizes", [(2, 3, 4), (5, 7, 6)])
def test_fine_tuning_matches_closed_form(temperature, sizes):
    problem = random_problem(11, *sizes)

    policy, value = solve_fine_tuning(problem, temperature)

    assert np.abs(policy - fine_tuned_policy(problem, temperature)).max() < POLICY_ATOL
    assert abs(value - fine_tuned_value(problem, temperature)) < VALUE_ATOL
    # The solver's policy reaches the closed-form optimal value on the objective itself.
    assert abs(fine_tuning_objective(problem, policy, temperature) - fine_tuned_value(problem, temperature)) < VALUE_ATOL


@pytest.mark.slow
@pytest.mark.parametrize("temperature", [0.1, 1.0, 10.0])
@pytest.mark.parametrize("sizes", [(2, 3, 4), (5, 7, 6)])
def test_prompt_optimization_matches_closed_form(temperature, sizes):
    problem = random_problem(12, *sizes, sparse_prompter=True)

    prompter, value = solve_prompt_optimization(problem, temperature)

    assert np.abs(prompter - optimal_prompter(problem, temperature)).max() < POLICY_ATOL
    assert abs(value - prompt_optimized_value(problem, temperature)) < VALUE_ATOL
    assert abs(prompt_objective(problem, prompter, temperature) - prompt_optimized_value(problem, temperature)) < VALUE_ATOL
    # Prompts outside the support of the reference prompter keep zero mass.
    assert np.all(prompter[problem.reference_prompter == 0] == 0)


@pytest.mark.slow
def test_solve_zero_weight_context_gets_tilt():
    problem = random_problem(13, 3, 4, 5)
    problem = TabularProblem(np.array([0.5, 0.0, 0.5]), problem.reward, problem.target_policy, problem.reference_prompter)

    policy, value = solve_fine_tuning(problem, 1.0)

    assert np.abs(policy[1] - fine_tuned_policy(problem, 1.0)[1]).max() < POLICY_ATOL
    assert abs(value - fine_tuned_value(problem, 1.0)) < VALUE_ATOL


def test_solve_rejects_bad_temperature():
    problem = random_problem(14, 2, 3, 4)

    with pytest.raises(ValueError, match="beta"):
        solve_fine_tuning(problem, 0.0)
    with pytest.raises(ValueError, match="lam"):
        solve_prompt_optimization(problem, np.inf)


def test_solve_rejects_batched_problem():
    rng = np.random.default_rng(15)
    problem = TabularProblem(
        rng.dirichlet(np.ones(2), size=3),
        rng.normal(size=(3, 2, 4)),
        rng.dirichlet(np.ones(4), size=(3, 3)),
        rng.dirichlet(np.ones(3), size=(3, 2)),
    )

    with pytest.raises(ValueError, match="instance"):
        solve_fine_tuning(problem, 1.0)


def test_failed_solve_names_status_and_knob():
    x = cp.Variable()
    infeasible = cp.Problem(cp.Minimize(x), [x >= 1, x <= 0])

    with pytest.raises(RuntimeError, match="infeasible") as error:
        _solve(infeasible, "toy problem", "loosen the constraints")

    assert "toy problem" in str(error.value)
    assert "loosen the constraints" in str(error.value)


def _linprog_distance(policy_row, target_policy, allowed):
    """Solve the same LP with scipy's HiGHS: variables (w over allowed rows, t over responses)."""
    rows = target_policy[allowed]
    n_weights, k = rows.shape
    cost = np.concatenate([np.zeros(n_weights), 0.5 * np.ones(k)])
    # t ≥ p − wᵀF and t ≥ wᵀF − p, written as A_ub x ≤ b_ub.
    upper = np.block([[-rows.T, -np.eye(k)], [rows.T, -np.eye(k)]])
    bound = np.concatenate([-policy_row, policy_row])
    equality = np.concatenate([np.ones(n_weights), np.zeros(k)])[None, :]
    result = linprog(cost, A_ub=upper, b_ub=bound, A_eq=equality, b_eq=[1.0], bounds=(0, None), method="highs")
    assert result.status == 0
    return result.fun


@pytest.mark.slow
def test_coverage_zero_inside_hull():
    rng = np.random.default_rng(21)
    target = rng.dirichlet(np.ones(6), size=4)
    mixtures = rng.dirichlet(np.ones(4), size=3)

    distance = coverage_distance_lp(mixtures @ target, target, np.ones((3, 4), dtype=bool))

    assert np.all(distance < LP_ATOL)
    assert np.all(distance >= 0)


@pytest.mark.slow
def test_coverage_single_prompt_equals_tv():
    rng = np.random.default_rng(22)
    target = rng.dirichlet(np.ones(5), size=1)
    policy = rng.dirichlet(np.ones(5), size=4)

    distance = coverage_distance_lp(policy, target, np.ones((4, 1), dtype=bool))

    np.testing.assert_allclose(distance, total_variation(policy, target[0]), atol=LP_ATOL, rtol=0)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [23, 24, 25])
def test_coverage_matches_linprog_and_single_prompt(seed):
    rng = np.random.default_rng(seed)
    n, m, k = 4, 5, 6
    target = rng.dirichlet(np.ones(k), size=m)
    policy = rng.dirichlet(np.ones(k), size=n)
    support = rng.random((n, m)) > 0.4
    support[:, 0] = True

    distance = coverage_distance_lp(policy, target, support)

    for x in range(n):
        single_prompt = total_variation(policy[x], target[support[x]]).min()
        # The best single prompt is one feasible mixture, so the LP can only be lower.
        assert distance[x] <= single_prompt + LP_ATOL
        assert abs(distance[x] - _linprog_distance(policy[x], target, support[x])) < LP_ATOL


@pytest.mark.slow
def test_coverage_two_prompts_matches_grid():
    rng = np.random.default_rng(26)
    target = rng.dirichlet(np.ones(5), size=2)
    policy = rng.dirichlet(np.ones(5), size=3)
    grid = np.linspace(0.0, 1.0, 20_001)
    mixtures = grid[:, None] * target[0] + (1 - grid[:, None]) * target[1]

    distance = coverage_distance_lp(policy, target, np.ones((3, 2), dtype=bool))

    # TV moves by at most |Δw| · TV(F₀, F₁) between grid points, so the grid minimum is within
    # half a step of that from the true minimum.
    grid_error = 0.5 * (grid[1] - grid[0]) * total_variation(target[0], target[1])
    for x in range(3):
        grid_minimum = total_variation(policy[x], mixtures).min()
        assert distance[x] <= grid_minimum + LP_ATOL
        assert distance[x] >= grid_minimum - grid_error - LP_ATOL


@pytest.mark.slow
def test_coverage_respects_support():
    target = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    policy = np.array([[1.0, 0.0, 0.0]])

    # The only prompt that reproduces the policy is excluded; the nearest allowed row is at TV 1.
    distance = coverage_distance_lp(policy, target, np.array([[False, True, True]]))

    assert abs(distance[0] - 1.0) < LP_ATOL


def test_coverage_rejects_bad_inputs():
    target = np.full((2, 3), 1 / 3)
    policy = np.full((2, 3), 1 / 3)

    with pytest.raises(ValueError, match="support"):
        coverage_distance_lp(policy, target, np.ones((2, 2)))
    with pytest.raises(ValueError, match="support: row 1"):
        coverage_distance_lp(policy, target, np.array([[True, False], [False, False]]))
    with pytest.raises(ValueError, match="support"):
        coverage_distance_lp(policy, target, np.ones((2, 3), dtype=bool))
    with pytest.raises(ValueError, match="policy"):
        coverage_distance_lp(policy[0], target, np.ones((2, 2), dtype=bool))
    with pytest.raises(ValueError, match="target_policy"):
        coverage_distance_lp(policy, np.full((2, 3), 0.5), np.ones((2, 2), dtype=bool))
