r"""Seeded, vectorized samplers for the tabular setting.

- :func:`sample_categorical`: one draw per row of a batch of categorical distributions, by
  inverse-CDF lookup (one uniform per row).
- :func:`sample_interactions`: N tuples (x, x', y, r) with x ~ P, x' ~ ρ(·|x), y ~ π_F(·|x') and
  r = r(x, y) + σ ξ, ξ ~ N(0, 1) (σ = ``reward_noise``, 0 by default).
- :func:`sample_policy_interactions`: N tuples (x, y, r) with y ~ π(·|x) drawn directly.
- :func:`sample_prompt_values`: the sample mean of r(x, y) over N responses y ~ π_F(·|x') for
  every pair (x, x'), drawn as multinomial counts so the cost does not grow with N.
- :func:`sample_preferences`: Bradley–Terry pairs: x ~ P, y₁, y₂ ~ π(·|x) independently, and y₁
  preferred with probability σ(r(x, y₁) − r(x, y₂)).

All samplers take a single instance (no batch axes) and a ``numpy.random.Generator``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import expit

from bounds import TabularProblem


def _check_single(problem: TabularProblem) -> None:
    if problem.batch_shape:
        raise ValueError(
            f"problem: samplers take one instance, got batch shape {problem.batch_shape}; select one with problem.instance(i)"
        )


def _check_size(name: str, size: int) -> int:
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
        raise ValueError(f"{name}: expected a positive integer number of samples, got {size!r}")
    return int(size)


def sample_categorical(probs: ArrayLike, rng: np.random.Generator) -> np.ndarray:
    """Draw one index per row of ``probs`` (shape ``(..., k)``), returning shape ``(...)``.

    Index i is returned when u ∈ [F(i − 1), F(i)), u ~ U[0, F(k − 1)), where F is the cumulative
    sum, so zero-probability entries are never drawn and rows need not be normalized exactly.
    """
    cdf = np.cumsum(np.asarray(probs, dtype=np.float64), axis=-1)
    uniforms = rng.random(cdf.shape[:-1] + (1,)) * cdf[..., -1:]
    index = (uniforms >= cdf).sum(axis=-1)
    return np.minimum(index, cdf.shape[-1] - 1)


@dataclass(frozen=True)
class Interactions:
    """N sampled tuples: context x, prompt x' (``None`` when sampled from a policy), response y, reward r."""

    contexts: np.ndarray
    prompts: np.ndarray | None
    responses: np.ndarray
    rewards: np.ndarray


def _rewards(problem: TabularProblem, contexts, responses, reward_noise: float, rng: np.random.Generator) -> np.ndarray:
    if reward_noise < 0:
        raise ValueError(f"reward_noise: got {reward_noise!r}; the noise standard deviation must be >= 0")
    rewards = problem.reward[contexts, responses]
    if reward_noise > 0:
        rewards = rewards + reward_noise * rng.standard_normal(rewards.shape)
    return rewards


def sample_interactions(
    problem: TabularProblem, prompter: ArrayLike, size: int, rng: np.random.Generator, *, reward_noise: float = 0.0
) -> Interactions:
    """Draw ``size`` tuples (x, x', y, r) from P, the prompter ρ (shape ``(n, m)``) and π_F."""
    _check_single(problem)
    size = _check_size("size", size)
    prompter = np.asarray(prompter, dtype=np.float64)

    contexts = sample_categorical(np.broadcast_to(problem.context_probs, (size, problem.n_contexts)), rng)
    prompts = sample_categorical(prompter[contexts], rng)
    responses = sample_categorical(problem.target_policy[prompts], rng)
    rewards = _rewards(problem, contexts, responses, reward_noise, rng)

    return Interactions(contexts, prompts, responses, rewards)


def sample_policy_interactions(
    problem: TabularProblem, policy: ArrayLike, size: int, rng: np.random.Generator, *, reward_noise: float = 0.0
) -> Interactions:
    """Draw ``size`` tuples (x, y, r) from P and a policy π (shape ``(n, k)``)."""
    _check_single(problem)
    size = _check_size("size", size)
    policy = np.asarray(policy, dtype=np.float64)

    contexts = sample_categorical(np.broadcast_to(problem.context_probs, (size, problem.n_contexts)), rng)
    responses = sample_categorical(policy[contexts], rng)
    rewards = _rewards(problem, contexts, responses, reward_noise, rng)

    return Interactions(contexts, None, responses, rewards)


def sample_prompt_values(
    problem: TabularProblem, n_responses: int, rng: np.random.Generator, *, reward_noise: float = 0.0
) -> np.ndarray:
    """Return r̄̂(x, x'), the mean reward of ``n_responses`` draws y ~ π_F(·|x') for every pair (shape ``(n, m)``).

    The response counts of each pair are one multinomial draw; Gaussian reward noise of standard
    deviation σ adds σ/√N · N(0, 1) to each mean, its exact distribution.
    """
    _check_single(problem)
    n_responses = _check_size("n_responses", n_responses)

    pvals = np.broadcast_to(problem.target_policy, (problem.n_contexts, problem.n_prompts, problem.n_responses))
    # Rounding can make a row sum to 1 + 1e-16, which multinomial rejects; renormalize first.
    pvals = pvals / pvals.sum(axis=-1, keepdims=True)
    counts = rng.multinomial(n_responses, pvals)
    means = (counts * problem.reward[:, None, :]).sum(axis=-1) / n_responses

    if reward_noise < 0:
        raise ValueError(f"reward_noise: got {reward_noise!r}; the noise standard deviation must be >= 0")
    if reward_noise > 0:
        means = means + reward_noise / np.sqrt(n_responses) * rng.standard_normal(means.shape)
    return means


@dataclass(frozen=True)
class PreferencePairs:
    """N Bradley–Terry comparisons: context, two responses, and whether the first was preferred."""

    contexts: np.ndarray
    first: np.ndarray
    second: np.ndarray
    first_preferred: np.ndarray

    def win_counts(self, n_contexts: int, n_responses: int) -> np.ndarray:
        """Return W[x, i, j], the number of comparisons in context x where i was preferred over j."""
        winners = np.where(self.first_preferred, self.first, self.second)
        losers = np.where(self.first_preferred, self.second, self.first)
        wins = np.zeros((n_contexts, n_responses, n_responses))
        np.add.at(wins, (self.contexts, winners, losers), 1.0)
        return wins


def sample_preferences(problem: TabularProblem, policy: ArrayLike, size: int, rng: np.random.Generator) -> PreferencePairs:
    """Draw ``size`` comparisons with both responses from π (shape ``(n, k)``), first preferred w.p. σ(r₁ − r₂)."""
    _check_single(problem)
    size = _check_size("size", size)
    policy = np.asarray(policy, dtype=np.float64)

    contexts = sample_categorical(np.broadcast_to(problem.context_probs, (size, problem.n_contexts)), rng)
    first = sample_categorical(policy[contexts], rng)
    second = sample_categorical(policy[contexts], rng)
    margin = problem.reward[contexts, first] - problem.reward[contexts, second]
    first_preferred = rng.random(size) < expit(margin)

    return PreferencePairs(contexts, first, second, first_preferred)
