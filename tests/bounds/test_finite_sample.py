"""Tests of bounds.finite_sample (T7, the plug-in prompter from estimated prompt values)."""

import itertools

import numpy as np
import pytest
from scipy import stats

from bounds import TabularProblem, estimate_prompt_values, hoeffding_radius, plug_in_guarantee
from tabular_instances import random_problem


def test_radius_matches_direct_hoeffding():
    n, m, delta, width = 3, 4, 0.05, 2.0
    for n_samples in (1, 10, 1000):
        radius = hoeffding_radius(n_samples, n, m, delta, width)
        # Hoeffding tail 2 exp(−2Nε²/width²) per pair, times n·m pairs, equals δ at ε_N.
        union_failure = n * m * 2.0 * np.exp(-2.0 * n_samples * radius**2 / width**2)
        assert union_failure == pytest.approx(delta, rel=1e-12)


@pytest.mark.parametrize("field, arguments", [
    ("n_samples", (0, 2, 2, 0.1, 1.0)),
    ("delta", (10, 2, 2, 1.5, 1.0)),
    ("reward_range", (10, 2, 2, 0.1, -1.0)),
])
def test_radius_rejects_bad_input(field, arguments):
    with pytest.raises(ValueError, match=field):
        hoeffding_radius(*arguments)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("lam", [1e-3, 0.1, 10.0])
def test_adversarial_perturbations_stay_within_two_epsilon(seed, lam):
    problem = random_problem(np.random.default_rng(seed), 2, 3, 4)
    epsilon = 0.05
    pairs = problem.prompt_values.size

    # Every sign pattern moves each entry of r̄ by exactly ±ε: 2^6 estimates.
    for signs in itertools.product((-1.0, 1.0), repeat=pairs):
        estimate = problem.prompt_values + epsilon * np.reshape(signs, problem.prompt_values.shape)
        result = plug_in_guarantee(problem, estimate, lam)

        # Values are O(1); 1e-12 absorbs rounding in the two objective evaluations.
        assert result.max_error == pytest.approx(epsilon, abs=1e-15)
        assert -1e-12 <= result.objective_gap <= 2 * epsilon + 1e-12
        assert result.max_ratio <= result.ratio_bound * (1 + 1e-12)


def test_plug_in_exact_values_is_optimal():
    problem = random_problem(np.random.default_rng(3), 3, 4, 5)
    result = plug_in_guarantee(problem, problem.prompt_values, 0.2)

    assert result.max_error == 0.0
    assert result.objective_gap == pytest.approx(0.0, abs=1e-14)
    assert result.max_ratio == pytest.approx(1.0, abs=1e-12)


def test_estimates_cover_with_probability_one_minus_delta():
    # Rewards in [0, 1]; 400 independent repetitions of the N-sample estimate.
    rng = np.random.default_rng(4)
    problem = random_problem(rng, 2, 3, 4, batch=(400,))
    reward = np.clip(problem.reward, 0.0, 1.0)
    problem = TabularProblem(problem.context_probs, reward, problem.target_policy, problem.reference_prompter)
    n_samples, delta = 50, 0.2
    radius = hoeffding_radius(n_samples, 2, 3, delta, 1.0)
    estimate = estimate_prompt_values(problem, n_samples, rng)
    result = plug_in_guarantee(problem, estimate, 0.05)

    covered = result.max_error <= radius
    # A one-sided binomial test at level 1e-6: coverage below 1 − δ would fail it.
    assert stats.binomtest(int(covered.sum()), covered.size, 1 - delta, alternative="less").pvalue > 1e-6
    assert np.all(result.objective_gap[covered] <= 2 * radius + 1e-12)
    assert np.all(result.objective_gap >= -1e-12)


def test_estimates_are_unbiased():
    rng = np.random.default_rng(5)
    problem = random_problem(rng, 2, 2, 3, batch=(20000,))
    estimate = estimate_prompt_values(problem, 5, rng)
    error = (estimate - problem.prompt_values).mean(axis=0)
    spread = (estimate - problem.prompt_values).std(axis=0) / np.sqrt(20000)

    # The mean error over 20,000 seeded repetitions is within 5 standard errors of 0.
    assert np.all(np.abs(error) <= 5 * spread)


def test_plug_in_rejects_wrong_shape():
    problem = random_problem(np.random.default_rng(6), 2, 3, 4)

    with pytest.raises(ValueError, match="estimated_values.*\\(2, 2\\)"):
        plug_in_guarantee(problem, np.zeros((2, 2)), 1.0)
