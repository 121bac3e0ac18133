"""Tests of bounds.best_of_n (T9)."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bounds import best_of_n_distribution, best_of_n_prompts, best_of_n_responses, data_processing_pair
from tabular_instances import random_problem


def enumerate_best_of_n(probs, values, n_draws):
    """Exact best-of-n law by enumerating all k^n draws; ties broken uniformly among the tied draws."""
    k = len(probs)
    result = np.zeros(k)
    for draw in itertools.product(range(k), repeat=n_draws):
        weight = np.prod([probs[i] for i in draw])
        best = max(values[i] for i in draw)
        winners = [i for i in draw if values[i] == best]
        for i in winners:
            result[i] += weight / len(winners)
    return result


@pytest.mark.parametrize("values", [[0.3, 1.0, -2.0, 0.5], [1.0, 1.0, 0.0, 0.5], [2.0, 2.0, 2.0, 2.0]])
@pytest.mark.parametrize("n_draws", [1, 2, 3, 5])
def test_distribution_matches_enumeration(values, n_draws):
    probs = np.random.default_rng(n_draws).dirichlet(np.ones(4))
    exact = enumerate_best_of_n(probs, np.array(values), n_draws)

    # Enumeration sums ≤ 4^5 products; the closed form is a difference of powers; rounding only.
    assert np.allclose(best_of_n_distribution(probs, values, n_draws).probs, exact, rtol=0, atol=1e-13)


def test_distribution_matches_monte_carlo():
    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.ones(6))
    values = np.array([0.1, 0.7, 0.7, -0.3, 1.2, 0.0])
    n_draws, repeats = 4, 200_000

    draws = rng.choice(6, size=(repeats, n_draws), p=probs)
    best_value = values[draws].max(axis=1)
    frequency = np.array([np.mean(best_value == values[i]) for i in range(6)])
    law = best_of_n_distribution(probs, values, n_draws).probs
    block = np.array([law[values == values[i]].sum() for i in range(6)])

    # Standard error ≤ 0.5/√200000 ≈ 1.1e-3 per cell; 6 standard errors make a false failure negligible.
    assert np.allclose(frequency, block, rtol=0, atol=6 * 0.5 / np.sqrt(repeats))


@settings(deadline=None, max_examples=80)
@given(st.integers(1, 6), st.integers(1, 64), st.integers(0, 2**32 - 1), st.booleans())
def test_kl_and_win_rate_bounds(k, n_draws, seed, ties):
    rng = np.random.default_rng(seed)
    probs = rng.dirichlet(np.ones(k))
    values = rng.integers(0, 3, size=k).astype(float) if ties else rng.normal(size=k)
    result = best_of_n_distribution(probs, values, n_draws)

    # Sums of ≤ 6 terms; 1e-12 absorbs rounding.
    assert result.probs.sum() == pytest.approx(1.0, abs=1e-12)
    assert result.kl <= result.kl_bound + 1e-12
    assert result.win_rate <= result.win_rate_bound + 1e-12
    assert result.expected_value >= probs @ values - 1e-12


def test_binary_outcome_at_hundred_draws():
    result = best_of_n_distribution([0.5, 0.5], [0.0, 1.0], 100)

    # KL = (1 − 2⁻¹⁰⁰) log(2(1 − 2⁻¹⁰⁰)) + 2⁻¹⁰⁰ log(2⁻⁹⁹) = log 2 up to ~1e-28.
    assert result.kl == pytest.approx(np.log(2.0), abs=1e-15)
    assert result.kl < result.kl_bound
    # Win rate: best-of-100 beats a fair coin except when both are 1 (half) or both are 0.
    assert result.win_rate == pytest.approx(0.5 + 0.25, abs=1e-15)


def test_continuous_limit_approaches_bounds():
    # 2000 equally likely distinct values approximate a continuum: both bounds nearly attained.
    k, n_draws = 2000, 8
    result = best_of_n_distribution(np.full(k, 1.0 / k), np.arange(k, dtype=float), n_draws)

    # Discretization error of a Riemann sum with step 1/k is O(n/k) ≈ 4e-3.
    assert result.kl == pytest.approx(result.kl_bound, abs=5e-3)
    assert result.win_rate == pytest.approx(result.win_rate_bound, abs=5e-3)


def test_one_draw_is_the_source():
    probs = np.array([0.2, 0.3, 0.5])
    result = best_of_n_distribution(probs, [3.0, 1.0, 2.0], 1)

    assert np.allclose(result.probs, probs, rtol=0, atol=1e-15)
    assert result.kl == pytest.approx(0.0, abs=1e-15)
    assert result.win_rate == pytest.approx(0.5, abs=1e-15)


def test_batched_equals_rows():
    rng = np.random.default_rng(1)
    probs = rng.dirichlet(np.ones(5), size=(3, 4))
    values = rng.integers(0, 3, size=(3, 4, 5)).astype(float)
    batched = best_of_n_distribution(probs, values, 6)

    for index in np.ndindex(3, 4):
        row = best_of_n_distribution(probs[index], values[index], 6)
        # Vectorized sums may round in another order: last-bit differences only.
        assert np.allclose(batched.probs[index], row.probs, rtol=0, atol=1e-15)


def test_zero_probability_outcome_stays_zero():
    result = best_of_n_distribution([0.5, 0.0, 0.5], [0.0, 5.0, 1.0], 10)

    assert result.probs[1] == 0.0


def test_rejects_bad_draw_count():
    with pytest.raises(ValueError, match="n_draws.*0"):
        best_of_n_distribution([1.0], [0.0], 0)
    with pytest.raises(ValueError, match="n_draws.*2.5"):
        best_of_n_distribution([1.0], [0.0], 2.5)


def test_problem_level_responses_and_prompts():
    problem = random_problem(np.random.default_rng(2), 3, 4, 5, batch=(2,))
    responses = best_of_n_responses(problem, 4)
    prompts = best_of_n_prompts(problem, 4)
    pair = data_processing_pair(problem, prompts.per_context.probs)

    assert responses.policy.shape == (2, 3, 5)
    assert prompts.policy.shape == (2, 3, 5)
    assert np.all(responses.kl <= np.log(4) - 3 / 4 + 1e-12)
    # T4: the response-level KL of best-of-n over prompts is at most its prompt-level KL.
    assert np.all(prompts.response_kl <= prompts.kl + 1e-12)
    assert np.all(pair.induced_kl <= pair.prompter_kl + 1e-12)
    # The prompt-level reward equals the reward of the induced response policy.
    induced_reward = (problem.context_probs * (prompts.policy * problem.reward).sum(axis=-1)).sum(axis=-1)
    assert np.allclose(prompts.reward, induced_reward, rtol=0, atol=1e-12)
