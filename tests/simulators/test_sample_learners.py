"""Learners that see only samples converge to the closed forms of bounds/ (seeded, stated tolerances)."""

import numpy as np
import pytest

from bounds import TabularProblem, fine_tuned_policy, hoeffding_radius, optimal_prompter, total_variation
from simulators.families import build_instance
from simulators.learners._reinforce import ReinforceSettings
from simulators.learners.dpo import train_dpo
from simulators.learners.plugin import fit_plugin_prompter
from simulators.learners.policy_gradient_fine_tuning import train_fine_tuning_policy_gradient
from simulators.learners.policy_gradient_prompter import train_prompter_policy_gradient
from simulators.learners.reward_model import centered, fit_reward_model
from simulators.sampling import sample_preferences


def uniform_context_instance(seed: int, n: int = 3, m: int = 4, k: int = 5) -> TabularProblem:
    """A dirichlet instance with P uniform, so every context gets a fair share of the samples."""
    drawn = build_instance("dirichlet", seed, n, m, k, concentration=2.0)
    return TabularProblem(np.full(n, 1.0 / n), drawn.reward, drawn.target_policy, drawn.reference_prompter)


@pytest.mark.parametrize("lam", [0.1, 1.0])
def test_plugin_prompter_within_two_epsilon(lam):
    problem = uniform_context_instance(0)
    result = fit_plugin_prompter(problem, lam, 4096, np.random.default_rng(0))
    epsilon = hoeffding_radius(4096, 3, 4, 0.05, float(problem.reward.max() - problem.reward.min()))

    assert result.max_abs_error <= epsilon
    assert 0.0 <= result.objective_gap + 1e-12
    assert result.objective_gap <= 2.0 * epsilon
    # ρ̂/ρ* ≤ e^{2 err/λ} atom by atom, so TV(ρ̂, ρ*) = Σ (ρ̂ − ρ*)₊ ≤ e^{2 err/λ} − 1.
    distance = total_variation(result.prompter, optimal_prompter(problem, lam)).max()
    assert distance <= np.expm1(2.0 * result.max_abs_error / lam)


def test_plugin_history_doubles_sample_size():
    problem = uniform_context_instance(1)
    result = fit_plugin_prompter(problem, 0.5, 100, np.random.default_rng(1))

    assert result.history["n_responses"].tolist() == [1, 2, 4, 8, 16, 32, 64, 100]
    assert result.n_responses == 100


@pytest.mark.parametrize("lam", [0.2, 1.0])
def test_prompter_policy_gradient_converges(lam):
    problem = uniform_context_instance(2)
    settings = ReinforceSettings(n_steps=2000, batch_size=256)

    result = train_prompter_policy_gradient(problem, lam, np.random.default_rng(2), settings)

    # 512,000 samples; the decayed step leaves a sampling error of order 0.01 in each probability.
    assert result.diagnostics["final_tv_to_optimum"] < 0.03
    assert result.diagnostics["objective_gap"] >= -1e-12
    assert result.history["tv_to_optimum"].iloc[-1] < result.history["tv_to_optimum"].iloc[0]


@pytest.mark.parametrize("beta", [0.2, 1.0])
def test_fine_tuning_policy_gradient_converges(beta):
    problem = uniform_context_instance(3)
    settings = ReinforceSettings(n_steps=2000, batch_size=256)

    result = train_fine_tuning_policy_gradient(problem, beta, np.random.default_rng(3), settings)

    # Same budget and reasoning as the prompter learner.
    assert result.diagnostics["final_tv_to_optimum"] < 0.03
    assert result.diagnostics["objective_gap"] >= -1e-12
    assert np.allclose(result.optimum, fine_tuned_policy(problem, beta), rtol=0, atol=0)


def test_policy_gradient_keeps_reference_support():
    drawn = uniform_context_instance(4)
    prompter = drawn.reference_prompter.copy()
    prompter[:, 0] = 0.0
    prompter /= prompter.sum(axis=1, keepdims=True)
    problem = TabularProblem(drawn.context_probs, drawn.reward, drawn.target_policy, prompter)

    result = train_prompter_policy_gradient(problem, 0.5, np.random.default_rng(4), ReinforceSettings(n_steps=50, batch_size=32))

    assert np.all(result.table[:, 0] == 0.0)


def test_dpo_converges_to_fine_tuned_policy():
    problem = uniform_context_instance(5)
    beta = 0.5
    distances = []
    for n_pairs in (2_000, 200_000):
        pairs = sample_preferences(problem, problem.reference_policy, n_pairs, np.random.default_rng([5, n_pairs]))
        distances.append(train_dpo(problem, pairs, beta).diagnostics["kl_to_optimum"])

    pairs = sample_preferences(problem, problem.reference_policy, 200_000, np.random.default_rng(55))
    result = train_dpo(problem, pairs, beta)

    assert distances[1] < distances[0]
    # About 13,000 comparisons per response pair; the implicit reward errs by about 0.03, so TV by ~0.02.
    assert result.diagnostics["max_tv_to_optimum"] < 0.04
    assert np.abs(centered(result.implicit_reward) - centered(problem.reward)).max() < 0.15


def test_reward_model_recovers_centered_reward():
    problem = uniform_context_instance(6)
    pairs = sample_preferences(problem, problem.reference_policy, 200_000, np.random.default_rng(6))

    result = fit_reward_model(pairs, problem.n_contexts, problem.n_responses)

    # Normalization: each context's fitted reward sums to zero over the responses.
    assert np.abs(result.reward.sum(axis=1)).max() < 1e-9
    assert result.observed.all()
    # Standard error of a Bradley–Terry difference at ~13,000 comparisons per pair is about 0.02.
    assert np.abs(result.reward - centered(problem.reward)).max() < 0.1


def test_preference_learners_reject_bad_settings():
    problem = uniform_context_instance(7)
    pairs = sample_preferences(problem, problem.reference_policy, 10, np.random.default_rng(7))

    with pytest.raises(ValueError, match="beta"):
        train_dpo(problem, pairs, 0.0)
    with pytest.raises(ValueError, match="ridge"):
        fit_reward_model(pairs, 3, 5, ridge=0.0)
    with pytest.raises(ValueError, match="n_steps"):
        ReinforceSettings(n_steps=0)
