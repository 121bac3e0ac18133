r"""T3, the coverage + prior decomposition of the gap and its bounds.

Write :math:`\bar r_{max}(x) = \max\{\bar r(x,x') : \rho_0(x'|x) > 0\}` and b(x) for a prompt that
attains it. A KL-regularized prompter never leaves the support of ρ₀, so r̄_max(x) is the best
reward any prompter can reach, and

.. math::

    \Delta = \underbrace{J(\pi^*_\beta) - \mathbb{E}_x \bar r_{max}(x)}_{\Delta_{coverage}}
           + \underbrace{\mathbb{E}_x \bar r_{max}(x) - J(\rho^*_\lambda\pi_F)}_{\Delta_{prior}}.

Prior term: 0 ≤ Δ_prior ≤ λ E_x log(1/ρ₀(b|x)), because ρ*_λ scores at least as well on the
regularized objective as the point mass on b, whose KL to ρ₀ is −log ρ₀(b|x). Also
Δ_prior ≤ λ E_x 1/(e ρ₀(b|x)): with d = r̄_max − r̄(x, x') ≥ 0, ρ*_λ(x') ≤ ρ₀(x') e^{−d/λ}/ρ₀(b|x),
and d e^{−d/λ} ≤ λ/e. Either form is valid per context, so the code uses the smaller one per context.

Coverage term: for any q in the convex hull of {π_F(·|x') : ρ₀(x'|x) > 0}, E_q[r(x,·)] ≤ r̄_max(x)
(a linear function is maximized at a vertex), so Δ_coverage ≤ E_x span(x) TV(π*_β(·|x), q). The best
q is a linear program (``bounds.convex.coverage_distance_lp``); the single-prompt minimum
min_{x'} TV(π*_β(·|x), π_F(·|x')) over the support is its closed-form relaxation.

Ties in the arg max b(x): the proofs work for every maximizer, so b(x) is the maximizer with the
largest ρ₀ mass, which makes both prior bounds smallest. Ties mean exact equality of r̄ values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from bounds.divergences import expectation_over_contexts, total_variation
from bounds.problem import TabularProblem
from bounds.solution import GapSolution, resolve_solution, reward_span

# Entries of the (instances, n, m, k) distance array built per chunk (8 MiB of float64).
COVERAGE_CHUNK_ENTRIES = 1 << 20


@dataclass(frozen=True)
class BestPrompt:
    """The best prompt on the support of ρ₀ per context.

    Attributes:
        value: r̄_max(x), shape ``(*batch, n)``.
        index: b(x), the maximizer with the largest ρ₀ mass, integer array of shape ``(*batch, n)``.
        mass: ρ₀(b(x)|x) > 0, shape ``(*batch, n)``.
    """

    value: np.ndarray
    index: np.ndarray
    mass: np.ndarray


@dataclass(frozen=True)
class DecompositionBound:
    """The T3 decomposition Δ = Δ_coverage + Δ_prior and its bounds (all ``(*batch)`` unless noted).

    Attributes:
        value: coverage_bound + prior_bound, the closed-form bound on Δ.
        gap_coverage: J(π*_β) − E_x r̄_max(x) (may be negative).
        gap_prior: E_x r̄_max(x) − J(ρ*_λ π_F) ≥ 0.
        best: the best prompt per context.
        coverage_tv: min over supported x' of TV(π*_β(·|x), π_F(·|x')), shape ``(*batch, n)``.
        coverage_bound: E_x span(x) coverage_tv(x) ≥ Δ_coverage.
        prior_log_bound: λ E_x log(1/ρ₀(b|x)) ≥ Δ_prior.
        prior_inverse_bound: λ E_x 1/(e ρ₀(b|x)) ≥ Δ_prior.
        prior_bound: λ E_x min(log(1/ρ₀(b|x)), 1/(e ρ₀(b|x))) ≥ Δ_prior.
    """

    value: np.ndarray
    gap_coverage: np.ndarray
    gap_prior: np.ndarray
    best: BestPrompt
    coverage_tv: np.ndarray
    coverage_bound: np.ndarray
    prior_log_bound: np.ndarray
    prior_inverse_bound: np.ndarray
    prior_bound: np.ndarray


def best_prompt(problem: TabularProblem) -> BestPrompt:
    """Find r̄_max(x) over supp ρ₀(·|x) and the maximizer b(x) with the largest ρ₀ mass."""
    prompter = problem.reference_prompter
    on_support = np.where(prompter > 0, problem.prompt_values, -np.inf)

    value = on_support.max(axis=-1)
    is_best = on_support == value[..., None]
    index = np.where(is_best, prompter, -1.0).argmax(axis=-1)
    mass = np.take_along_axis(prompter, index[..., None], axis=-1)[..., 0]

    return BestPrompt(value=value, index=index, mass=mass)


def single_prompt_coverage_tv(problem: TabularProblem, policy: ArrayLike) -> np.ndarray:
    """Return min over x' in supp ρ₀(·|x) of TV(policy(·|x), π_F(·|x')), shape ``(*batch, n)``.

    Args:
        policy: shape ``(*batch, n, k)``.
    """
    policy = np.asarray(policy, dtype=np.float64)
    n, m, k = problem.n_contexts, problem.n_prompts, problem.n_responses
    flat_policy = policy.reshape(-1, n, k)
    flat_target = problem.target_policy.reshape(-1, m, k)
    flat_support = problem.reference_prompter.reshape(-1, n, m) > 0
    nearest = np.empty(flat_policy.shape[:-1], dtype=np.float64)

    # Every context against every prompt builds an (instances, n, m, k) array. Chunks of instances
    # keep it small enough to stay in cache, which is about twice as fast as one big array.
    chunk = max(1, COVERAGE_CHUNK_ENTRIES // (n * m * k))
    for start in range(0, flat_policy.shape[0], chunk):
        window = slice(start, start + chunk)
        distances = total_variation(flat_policy[window, :, None, :], flat_target[window, None, :, :])
        nearest[window] = np.where(flat_support[window], distances, np.inf).min(axis=-1)

    return nearest.reshape(policy.shape[:-1])


def decomposition_bound(
    problem: TabularProblem, beta: ArrayLike, lam: ArrayLike, *, solution: GapSolution | None = None
) -> DecompositionBound:
    """Split Δ(β, λ) into coverage and prior terms and bound each in closed form (T3, see module)."""
    solution = resolve_solution(problem, beta, lam, solution)
    context_probs = problem.context_probs
    lam_per_context = solution.lam[..., None]

    best = best_prompt(problem)
    expected_best = expectation_over_contexts(context_probs, best.value)
    gap_coverage = solution.fine_tuned_reward - expected_best
    gap_prior = expected_best - solution.prompt_optimized_reward

    coverage_tv = single_prompt_coverage_tv(problem, solution.fine_tuned)
    coverage_bound = expectation_over_contexts(context_probs, reward_span(problem.reward) * coverage_tv)

    # λ · (per-context factor); a factor of 0 (ρ₀(b) = 1) gives 0 also at λ = inf. Otherwise the
    # prior bounds are inf at λ = inf: true, but uninformative.
    log_factor = -np.log(best.mass)
    inverse_factor = 1.0 / (np.e * best.mass)
    min_factor = np.minimum(log_factor, inverse_factor)

    def scaled(factor: np.ndarray) -> np.ndarray:
        return expectation_over_contexts(context_probs, np.where(factor > 0, lam_per_context * factor, 0.0))

    prior_bound = scaled(min_factor)
    return DecompositionBound(
        value=coverage_bound + prior_bound,
        gap_coverage=gap_coverage,
        gap_prior=gap_prior,
        best=best,
        coverage_tv=coverage_tv,
        coverage_bound=coverage_bound,
        prior_log_bound=scaled(log_factor),
        prior_inverse_bound=scaled(inverse_factor),
        prior_bound=prior_bound,
    )


def lp_coverage_bound(problem: TabularProblem, policy: ArrayLike) -> np.ndarray:
    """Return E_x span(x) min_{q ∈ conv π_F(supp ρ₀(·|x))} TV(policy(·|x), q), shape ``(*batch)``.

    Solves one linear program per context through ``bounds.convex.coverage_distance_lp``, looping
    over the batch in Python, so it is much slower than :func:`single_prompt_coverage_tv`.
    """
    from bounds.convex import coverage_distance_lp  # cvxpy is imported only when the LP is needed.

    policy = np.asarray(policy, dtype=np.float64)
    batch_shape = problem.batch_shape
    distances = np.empty(policy.shape[:-1], dtype=np.float64)

    for index in np.ndindex(*batch_shape):
        support = problem.reference_prompter[index] > 0
        distances[index] = coverage_distance_lp(policy[index], problem.target_policy[index], support)

    # The LP optimum can never exceed the single-prompt relaxation; solver round-off can, slightly.
    distances = np.clip(distances, 0.0, single_prompt_coverage_tv(problem, policy))
    return expectation_over_contexts(problem.context_probs, reward_span(problem.reward) * distances)
