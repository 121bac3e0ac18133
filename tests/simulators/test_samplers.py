"""Samplers: empirical frequencies match the probabilities (chi-square tests at α = 0.001)."""

import numpy as np
import pytest
from scipy import stats
from scipy.special import expit

from simulators.families import build_instance
from simulators.sampling import (
    sample_categorical,
    sample_interactions,
    sample_policy_interactions,
    sample_preferences,
    sample_prompt_values,
)

# Significance level of every goodness-of-fit test: a correct sampler fails one in a thousand seeds.
ALPHA = 1e-3


def test_categorical_frequencies_match():
    rng = np.random.default_rng(0)
    probs = np.array([0.5, 0.0, 0.2, 0.3])

    draws = sample_categorical(np.broadcast_to(probs, (40_000, 4)), rng)
    counts = np.bincount(draws, minlength=4)

    assert counts[1] == 0
    support = probs > 0
    assert stats.chisquare(counts[support], 40_000 * probs[support]).pvalue > ALPHA


def test_interactions_joint_frequencies_match():
    problem = build_instance("dirichlet", 1, 3, 4, 5, concentration=2.0)
    rng = np.random.default_rng(1)
    size = 200_000

    sample = sample_interactions(problem, problem.reference_prompter, size, rng)
    counts = np.zeros((3, 4, 5))
    np.add.at(counts, (sample.contexts, sample.prompts, sample.responses), 1)
    joint = problem.context_probs[:, None, None] * problem.reference_prompter[:, :, None] * problem.target_policy[None, :, :]

    assert stats.chisquare(counts.ravel(), size * joint.ravel()).pvalue > ALPHA
    assert np.array_equal(sample.rewards, problem.reward[sample.contexts, sample.responses])


def test_policy_interactions_with_noise():
    problem = build_instance("dirichlet", 2, 2, 3, 4)
    rng = np.random.default_rng(2)

    sample = sample_policy_interactions(problem, problem.reference_policy, 100_000, rng, reward_noise=0.5)
    noise = sample.rewards - problem.reward[sample.contexts, sample.responses]

    assert sample.prompts is None
    assert stats.kstest(noise / 0.5, "norm").pvalue > ALPHA


def test_prompt_value_means_are_unbiased():
    problem = build_instance("dirichlet", 3, 2, 3, 4)
    rng = np.random.default_rng(3)
    n_responses, repeats = 50, 2_000

    estimates = np.stack([sample_prompt_values(problem, n_responses, rng) for _ in range(repeats)])
    variance = (problem.target_policy[None] * problem.reward[:, None, :] ** 2).sum(-1) - problem.prompt_values**2
    z = (estimates.mean(axis=0) - problem.prompt_values) / np.sqrt(variance / (n_responses * repeats))

    # Six z-scores of an unbiased mean; |z| > 4.5 has probability below 1e-4 jointly.
    assert np.abs(z).max() < 4.5


def test_preferences_follow_bradley_terry():
    problem = build_instance("dirichlet", 4, 1, 2, 3)
    rng = np.random.default_rng(4)

    pairs = sample_preferences(problem, problem.reference_policy, 300_000, rng)
    for first in range(3):
        for second in range(3):
            if first == second:
                continue
            chosen = (pairs.first == first) & (pairs.second == second)
            wins = int(pairs.first_preferred[chosen].sum())
            expected = expit(problem.reward[0, first] - problem.reward[0, second])
            assert stats.binomtest(wins, int(chosen.sum()), expected).pvalue > ALPHA


def test_samplers_reject_batches_and_sizes():
    batched = build_instance("dirichlet", 0, 2, 2, 2, batch=(2,))
    single = batched.instance(0)
    rng = np.random.default_rng(0)

    with pytest.raises(ValueError, match="batch shape"):
        sample_interactions(batched, batched.reference_prompter, 10, rng)
    with pytest.raises(ValueError, match="size"):
        sample_interactions(single, single.reference_prompter, 0, rng)
    with pytest.raises(ValueError, match="reward_noise"):
        sample_prompt_values(single, 4, rng, reward_noise=-1.0)
