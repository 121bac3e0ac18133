"""sympy forms against the numeric code of bounds/."""

import numpy as np
import pytest
import sympy as sp

from bounds import (
    TabularProblem,
    expected_reward,
    fine_tuned_policy,
    fine_tuned_value,
    gibbs_tilt,
    optimal_prompter,
    prompter_reward,
    suboptimality_gap,
)
from bounds.symbolic import (
    first_order_gap_ratio,
    gap_vanishing_ratio,
    gibbs_mean,
    gibbs_mean_derivative,
    large_temperature_expansion,
    two_response_optimum,
)

# Both routes evaluate the same smooth formula in float64 on values of order one.
MATCH_ATOL = 1e-10


@pytest.fixture(scope="module")
def two_response():
    return two_response_optimum()


def test_two_response_logit_shift_simplifies(two_response):
    r1, r2, _, beta = two_response.logit_shift.symbols

    assert sp.simplify(two_response.logit_shift.expression - (r1 - r2) / beta) == 0


@pytest.mark.parametrize("seed", range(5))
def test_two_response_matches_numeric(two_response, seed):
    rng = np.random.default_rng(seed)
    r1, r2 = rng.normal(size=2)
    q = rng.uniform(0.05, 0.95)
    beta = rng.uniform(0.2, 5.0)
    problem = TabularProblem(np.array([1.0]), np.array([[r1, r2]]), np.eye(2), np.array([[q, 1 - q]]))
    policy = fine_tuned_policy(problem, beta)

    assert abs(two_response.probability.numeric(r1, r2, q, beta) - policy[0, 0]) < MATCH_ATOL
    assert abs(two_response.value.numeric(r1, r2, q, beta) - fine_tuned_value(problem, beta)) < MATCH_ATOL
    assert abs(two_response.reward.numeric(r1, r2, q, beta) - expected_reward(problem, policy)) < MATCH_ATOL
    numeric_shift = np.log(policy[0, 0] / policy[0, 1]) - np.log(q / (1 - q))
    assert abs(two_response.logit_shift.numeric(r1, r2, q, beta) - numeric_shift) < MATCH_ATOL


def test_two_response_latex_names_beta(two_response):
    assert "\\beta" in two_response.value.latex()


def test_derivative_identity_residual_is_zero():
    check = gibbs_mean_derivative(n_outcomes=3)

    assert check.residual == 0


@pytest.mark.parametrize("seed", range(3))
def test_derivative_matches_numeric(seed):
    rng = np.random.default_rng(seed)
    check = gibbs_mean_derivative(n_outcomes=3)
    mean = gibbs_mean(n_outcomes=3)
    reference = rng.dirichlet(np.ones(3))
    values = rng.normal(size=3)
    lam = rng.uniform(0.3, 3.0)
    tilt = gibbs_tilt(reference, values, lam)
    variance = tilt @ values**2 - (tilt @ values) ** 2

    assert abs(mean.numeric(*reference, *values, lam) - tilt @ values) < MATCH_ATOL
    assert abs(check.right.numeric(*reference, *values, lam) + variance / lam**2) < MATCH_ATOL
    assert abs(check.left.numeric(*reference, *values, lam) + variance / lam**2) < MATCH_ATOL


def test_derivative_matches_finite_difference_of_prompter_reward():
    rng = np.random.default_rng(10)
    check = gibbs_mean_derivative(n_outcomes=3)
    target = rng.dirichlet(np.ones(4), size=3)
    problem = TabularProblem(np.array([1.0]), rng.normal(size=(1, 4)), target, rng.dirichlet(np.ones(3), size=1))
    lam, step = 0.8, 1e-4

    def prompt_reward(temperature):
        return prompter_reward(problem, optimal_prompter(problem, temperature))

    central = (prompt_reward(lam + step) - prompt_reward(lam - step)) / (2 * step)
    symbolic = check.left.numeric(*problem.reference_prompter[0], *problem.prompt_values[0], lam)

    # Central differences err by about step² times the third derivative (order one here).
    assert abs(central - symbolic) < 1e-6


def test_expansion_residuals_are_zero():
    zeroth, first = large_temperature_expansion(n_outcomes=3)

    assert zeroth.residual == 0
    assert first.residual == 0


@pytest.mark.parametrize("seed", range(3))
def test_expansion_coefficient_is_variance(seed):
    rng = np.random.default_rng(seed)
    _, first = large_temperature_expansion(n_outcomes=3)
    reference = rng.dirichlet(np.ones(3))
    rewards = rng.normal(size=3)
    variance = reference @ rewards**2 - (reference @ rewards) ** 2

    assert abs(first.left.numeric(*reference[:2], *rewards) - variance) < MATCH_ATOL


def test_expansion_predicts_large_beta_reward():
    rng = np.random.default_rng(11)
    _, first = large_temperature_expansion(n_outcomes=3)
    reference = rng.dirichlet(np.ones(3))
    rewards = rng.normal(size=3)
    problem = TabularProblem(np.array([1.0]), rewards[None, :], np.eye(3), reference[None, :])
    slope = first.left.numeric(*reference[:2], *rewards)

    errors = []
    for beta in (1e2, 1e3):
        gain = expected_reward(problem, fine_tuned_policy(problem, beta)) - reference @ rewards
        errors.append(abs(beta * gain - slope))

    # The remainder is O(1/β), so ten times the temperature cuts the error about tenfold.
    assert errors[1] < 0.2 * errors[0]
    assert errors[1] < 1e-2


def test_gap_ratio_expression():
    ratio = gap_vanishing_ratio()
    prompt_variance, response_variance = ratio.symbols

    assert sp.simplify(ratio.expression - prompt_variance / response_variance) == 0


def test_gap_vanishes_at_first_order_ratio():
    rng = np.random.default_rng(12)
    problem = TabularProblem(
        rng.dirichlet(np.ones(3)), rng.normal(size=(3, 5)), rng.dirichlet(np.ones(5), size=4), rng.dirichlet(np.ones(4), size=3)
    )
    ratio = float(first_order_gap_ratio(problem))

    # Law of total variance: the prompt values vary less than the rewards.
    assert 0 < ratio <= 1
    scaled_gaps = [beta * suboptimality_gap(problem, beta, ratio * beta) for beta in (1e2, 1e3)]
    # At the ratio the first-order terms cancel, so β Δ = O(1/β) and shrinks about tenfold.
    assert abs(scaled_gaps[1]) < 0.2 * abs(scaled_gaps[0])
    # At twice the ratio the prompt term halves, so β Δ tends to E_x Var_π_ref(r) / 2 instead.
    reference = problem.reference_policy
    mean = (reference * problem.reward).sum(axis=-1, keepdims=True)
    response_variance = problem.context_probs @ (reference * (problem.reward - mean) ** 2).sum(axis=-1)
    beta = 1e3
    assert abs(beta * suboptimality_gap(problem, beta, 2 * ratio * beta) - response_variance / 2) < 1e-2


def test_symbolic_rejects_one_outcome():
    with pytest.raises(ValueError, match="n_outcomes"):
        gibbs_mean_derivative(n_outcomes=1)
