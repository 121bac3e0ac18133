"""Estimators of llm_eval against the closed forms of bounds on the same tabular instance.

Samples come from the tabular fakes (see ``tabular_samples.py``). Each Monte Carlo comparison
repeats the estimate over R independent seeds and checks |mean − exact| ≤ 4 · sd / √R: a
4-standard-error band, which a correct unbiased estimator leaves with probability below 1e-4.
The self-normalized estimators (Align-Pro, SNIS, the KLs and the measured bound) are only
consistent, with O(1/M) and O(1/K) biases. The sample sizes are large so that these biases are small
against the band. With the seeds below the observed error was at most a third of the band.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tabular_samples import draw_samples, random_problem

import bounds
from llm_eval import estimators, measured_bound
from llm_eval.backends.fake import tabular_fakes
from llm_eval.metrics import WeightedRewards, bootstrap_mean_ci, bootstrap_variance_ci, pooled_variance

BETA = 0.3
LAM = 0.2
REPEATS = 12


def _within_four_standard_errors(values: np.ndarray, exact: float) -> tuple[float, float]:
    """Return (|mean − exact|, 4 · sd / √R) of R repeated estimates."""
    values = np.asarray(values, dtype=np.float64)
    error = abs(values.mean() - exact)
    band = 4.0 * values.std(ddof=1) / np.sqrt(values.size)
    return error, band


def _repeat(problem, num_candidates, num_responses, statistic, *, log_probs=False) -> np.ndarray:
    """Return ``statistic(samples)`` averaged over contexts for REPEATS independent draws."""
    results = []
    for seed in range(REPEATS):
        samples = draw_samples(problem, num_candidates, num_responses, seed=1000 + seed, log_probs=log_probs)
        results.append(float(np.mean(statistic(samples))))
    return np.array(results)


@pytest.fixture(scope="module")
def problem():
    return random_problem(seed=7)


def test_raw_prompt_reward_matches_reference(problem):
    estimates = _repeat(problem, 2, 400, lambda s: estimators.raw_prompt_reward(s.raw_rewards))
    exact = float(bounds.expected_reward(problem, problem.reference_policy))
    error, band = _within_four_standard_errors(estimates, exact)
    assert error <= band


def test_reference_prompter_reward_matches_rho0(problem):
    estimates = _repeat(problem, 50, 20, lambda s: estimators.reference_prompter_reward(s.candidate_rewards))
    exact = float(bounds.prompter_reward(problem, problem.reference_prompter))
    error, band = _within_four_standard_errors(estimates, exact)
    assert error <= band


def test_align_pro_reward_matches_optimal_prompter(problem):
    # Large K so the self-normalized ρ̂ on the draws is close to ρ*_λ, large M so r̄̂ ≈ r̄.
    estimates = _repeat(problem, 300, 400, lambda s: estimators.align_pro_reward(s.candidate_rewards, LAM))
    exact = float(bounds.prompter_reward(problem, bounds.optimal_prompter(problem, LAM)))
    error, band = _within_four_standard_errors(estimates, exact)
    assert error <= band


def test_oracle_reward_matches_fine_tuned_policy(problem):
    estimates = _repeat(problem, 2, 2000, lambda s: estimators.oracle_reward(s.raw_rewards, BETA))
    exact = float(bounds.expected_reward(problem, bounds.fine_tuned_policy(problem, BETA)))
    error, band = _within_four_standard_errors(estimates, exact)
    assert error <= band


@pytest.mark.parametrize("n", [1, 3, 8])
def test_best_of_n_reward_matches_exact_law(problem, n):
    estimates = _repeat(problem, 2, 200, lambda s: estimators.best_of_n_reward(s.raw_rewards, n))
    exact = float(bounds.best_of_n_responses(problem, n).reward)
    error, band = _within_four_standard_errors(estimates, exact)
    assert error <= band


def test_best_of_n_win_rate_matches_exact_law(problem):
    n = 4
    estimates = _repeat(
        problem, 2, 1000,
        lambda s: WeightedRewards(s.raw_rewards, estimators.best_of_n_response_weights(s.raw_rewards, n)).win_rate(s.raw_rewards),
    )
    exact = float(bounds.best_of_n_responses(problem, n).win_rate)
    error, band = _within_four_standard_errors(estimates, exact)
    assert error <= band


def test_align_pro_kl_matches_exact(problem):
    # The weights use the exact r̄ of each sampled candidate: this isolates the O(1/K) error of
    # Σ_j w_j log(K w_j) from the upward bias that noise in r̄̂ adds (of order Var(r̄̂)/λ²).
    _, prompter, _ = tabular_fakes(problem)
    index = {label: i for i, label in enumerate(prompter.labels.prompts)}
    estimates = []
    for seed in range(REPEATS):
        values = np.empty((problem.n_contexts, 3000))
        for p, context in enumerate(prompter.labels.contexts):
            drawn = prompter.sample_candidates(context, 3000, seed=seed * 100 + p)
            values[p] = problem.prompt_values[p, [index[candidate.label] for candidate in drawn]]
        estimates.append(float(np.mean(estimators.weights_kl(estimators.self_normalized_weights(values, LAM)))))

    exact = float(bounds.expected_kl(problem, bounds.optimal_prompter(problem, LAM), problem.reference_prompter))
    error, band = _within_four_standard_errors(estimates, exact)
    assert error <= band


def test_oracle_kl_matches_exact(problem):
    estimates = _repeat(problem, 2, 4000, lambda s: estimators.weights_kl(estimators.oracle_weights(s.raw_rewards, BETA)))
    exact = float(bounds.expected_kl(problem, bounds.fine_tuned_policy(problem, BETA), problem.reference_policy))
    error, band = _within_four_standard_errors(estimates, exact)
    assert error <= band


def _exact_oracle_to_induced_kl(problem) -> np.ndarray:
    induced = problem.induced_policy(bounds.optimal_prompter(problem, LAM))
    return bounds.kl_divergence(bounds.fine_tuned_policy(problem, BETA), induced)


def _measured_kl(samples) -> np.ndarray:
    return measured_bound.oracle_to_mixture_kl(
        samples.raw_rewards, samples.log_probs_raw, samples.log_probs_candidates, samples.candidate_rewards, BETA, LAM
    )


def test_measured_kl_and_bound_match_exact(problem):
    low, high = problem.reward.min(), problem.reward.max()
    kl_estimates, bound_estimates = [], []
    for seed in range(REPEATS):
        samples = draw_samples(problem, 100, 200, seed=2000 + seed)
        kl = _measured_kl(samples)
        span, source = measured_bound.reward_span(samples.raw_rewards, samples.candidate_rewards, (low, high))
        assert source == "reward bounds"
        kl_estimates.append(float(np.mean(kl)))
        bound_estimates.append(float(np.mean(measured_bound.measured_t2_bound(span, kl))))

    exact_kl = _exact_oracle_to_induced_kl(problem)
    exact_bound = float(np.mean((high - low) * np.minimum(np.sqrt(exact_kl / 2), np.sqrt(1 - np.exp(-exact_kl)))))

    kl_error, kl_band = _within_four_standard_errors(kl_estimates, float(np.mean(exact_kl)))
    bound_error, bound_band = _within_four_standard_errors(bound_estimates, exact_bound)
    assert kl_error <= kl_band
    assert bound_error <= bound_band


def test_measured_bound_covers_exact_gap(problem):
    # T2 holds for the exact quantities, so the bound measured with many samples exceeds the exact gap.
    samples = draw_samples(problem, 200, 300, seed=3)
    span, _ = measured_bound.reward_span(samples.raw_rewards, samples.candidate_rewards, (problem.reward.min(), problem.reward.max()))
    measured = float(np.mean(measured_bound.measured_t2_bound(span, _measured_kl(samples))))
    induced = problem.induced_policy(bounds.optimal_prompter(problem, LAM))
    exact_gap = float(bounds.expected_reward(problem, bounds.fine_tuned_policy(problem, BETA)) - bounds.expected_reward(problem, induced))
    assert measured >= exact_gap


def test_cross_fitting_removes_winner_curse():
    # Every candidate prompt has the same response law, so r̄(x, x') is constant in x', ρ*_λ = ρ₀ and
    # J(ρ*_λ π_F) = r̄. The plug-in picks the luckiest candidates and is biased upward; cross-fitted
    # weights are independent of the half they weight, so its mean is r̄ exactly.
    rng = np.random.default_rng(11)
    k = 6
    row = rng.dirichlet(np.ones(k))
    problem = bounds.TabularProblem(
        context_probs=np.ones(1),
        reward=rng.random((1, k)),
        target_policy=np.tile(row, (5, 1)),
        reference_prompter=np.full((1, 5), 0.2),
    )
    exact = float(bounds.prompter_reward(problem, bounds.optimal_prompter(problem, 0.02)))

    plug_in, cross_fit = [], []
    for seed in range(300):
        samples = draw_samples(problem, 8, 4, seed=seed, log_probs=False)
        plug_in.append(float(estimators.align_pro_reward(samples.candidate_rewards, 0.02, cross_fit=False)[0]))
        cross_fit.append(float(estimators.align_pro_reward(samples.candidate_rewards, 0.02, cross_fit=True)[0]))

    plug_in_error, plug_in_band = _within_four_standard_errors(plug_in, exact)
    cross_fit_error, cross_fit_band = _within_four_standard_errors(cross_fit, exact)
    assert np.mean(plug_in) - exact > plug_in_band
    assert cross_fit_error <= cross_fit_band


def test_self_normalized_weights_stay_finite_for_large_values():
    weights = estimators.self_normalized_weights(np.array([[1e4, 0.0, 1e4 - 1.0]]), 1e-3)
    assert np.all(np.isfinite(weights))
    assert weights[0, 0] == pytest.approx(1.0)


def test_self_normalized_weights_infinite_temperature_uniform():
    weights = estimators.self_normalized_weights(np.array([0.1, 0.9, 0.5, 0.2]), np.inf)
    np.testing.assert_array_equal(weights, np.full(4, 0.25))


@pytest.mark.parametrize("name", ["lam", "beta"])
def test_temperature_must_be_positive(name):
    with pytest.raises(ValueError, match=name):
        estimators.self_normalized_weights(np.zeros(3), 0.0, name=name)


def test_weights_kl_uniform_and_point_mass():
    assert estimators.weights_kl(np.full(5, 0.2)) == pytest.approx(0.0, abs=1e-15)
    # A point mass against the uniform on N points has KL log N.
    assert estimators.weights_kl(np.array([0.0, 1.0, 0.0, 0.0])) == pytest.approx(np.log(4), rel=1e-15)


@settings(deadline=None, max_examples=40)
@given(st.integers(min_value=1, max_value=12), st.integers(min_value=0, max_value=2**32 - 1))
def test_best_of_n_weights_limits(num_responses, seed):
    rewards = np.random.default_rng(seed).random((1, num_responses))
    weights = estimators.best_of_n_weights(num_responses, 1)
    # The Vandermonde identity Σ_i C(i−1, n−1) = C(M, n) makes every weight vector sum to 1.
    assert weights.sum() == pytest.approx(1.0, rel=1e-12)
    assert estimators.best_of_n_reward(rewards, 1)[0] == pytest.approx(rewards.mean(), rel=1e-12)
    assert estimators.best_of_n_reward(rewards, num_responses)[0] == pytest.approx(rewards.max(), rel=1e-12)


def test_best_of_n_kl_bound_value():
    # log n − (n − 1)/n at n = 4: log 4 − 3/4.
    assert estimators.best_of_n_kl_bound(4) == pytest.approx(np.log(4) - 0.75, rel=1e-15)


def test_cross_fitting_needs_two_responses():
    with pytest.raises(ValueError, match="num_responses"):
        estimators.align_pro_reward(np.zeros((1, 3, 1)), LAM)


def test_nan_reward_rejected():
    with pytest.raises(ValueError, match="raw_rewards"):
        estimators.oracle_reward(np.array([[0.1, np.nan]]), BETA)


def test_win_rate_against_itself_is_half():
    rewards = np.random.default_rng(2).integers(0, 3, size=(4, 9)).astype(float)
    arm = WeightedRewards(rewards, np.full(rewards.shape, 1 / 9))
    # Symmetry: wins and losses of i.i.d. copies balance and ties count half.
    np.testing.assert_allclose(arm.win_rate(rewards), 0.5, rtol=0, atol=1e-15)


def test_bootstrap_interval_coverage():
    # Percentile intervals of the mean of 30 normal values; nominal 95 %. With 200 seeds the count
    # has sd ≈ 3 around 190, and the percentile method under-covers by about 1-2 % at this size,
    # so 176 (≈ 0.88) is below any plausible correct outcome.
    covered = 0
    for seed in range(200):
        values = np.random.default_rng(seed).normal(loc=1.0, scale=2.0, size=30)
        low, high = bootstrap_mean_ci(values, seed=seed)
        covered += low <= 1.0 <= high
    assert covered >= 176


def test_bootstrap_interval_single_prompt_none():
    assert bootstrap_mean_ci(np.array([0.3]), seed=0) is None


def test_variance_interval_covers_true_variance():
    # 40 prompts of 4 equally weighted N(0, 1) responses: the pooled variance estimates 1. Nominal
    # 95 %; with 50 seeds the count has sd ≈ 1.5 around 47.5, and the percentile method under-covers
    # a skewed statistic by a few percent at this size, so 40 is below any plausible correct outcome.
    covered = 0
    for seed in range(50):
        rewards = np.random.default_rng(seed).normal(size=(40, 4))
        arm = WeightedRewards(rewards, np.full(rewards.shape, 0.25))
        low, high = bootstrap_variance_ci(arm, seed=seed)
        assert low <= pooled_variance(arm) <= high
        covered += low <= 1.0 <= high
    assert covered >= 40


def test_variance_interval_single_prompt_none():
    arm = WeightedRewards(np.array([[0.1, 0.9]]), np.array([[0.5, 0.5]]))
    assert bootstrap_variance_ci(arm, seed=0) is None
