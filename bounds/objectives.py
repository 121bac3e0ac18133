r"""Expected reward, regularized objectives and the suboptimality gap.

.. math::

    J(\pi) = \sum_x P(x) \sum_y \pi(y|x)\, r(x,y), \qquad
    \Delta(\beta, \lambda) = J(\pi^*_\beta) - J(\rho^*_\lambda \pi_F).

The gap compares the fine-tuned optimum with the policy induced by the optimal prompter. It can be
negative: π*_β is regularized toward π_ref, so it is not the reward maximizer.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from bounds.divergences import expectation_over_contexts, kl_divergence
from bounds.optima import fine_tuned_policy, optimal_prompter
from bounds.problem import TabularProblem


def expected_reward(problem: TabularProblem, policy: ArrayLike) -> np.ndarray:
    """Return J(π) = E_x E_{y~π(·|x)} r(x, y) for a policy of shape ``(*batch, n, k)`` (shape ``(*batch)``)."""
    per_context = (np.asarray(policy, dtype=np.float64) * problem.reward).sum(axis=-1)
    return expectation_over_contexts(problem.context_probs, per_context)


def prompter_reward(problem: TabularProblem, prompter: ArrayLike) -> np.ndarray:
    """Return J(ρ π_F) = E_x Σ_x' ρ(x'|x) r̄(x, x') for a prompter of shape ``(*batch, n, m)``."""
    per_context = (np.asarray(prompter, dtype=np.float64) * problem.prompt_values).sum(axis=-1)
    return expectation_over_contexts(problem.context_probs, per_context)


def expected_kl(problem: TabularProblem, p: ArrayLike, q: ArrayLike) -> np.ndarray:
    """Return E_x KL(p(·|x) ‖ q(·|x)) for conditionals of shape ``(*batch, n, ·)`` (nats, ``(*batch)``)."""
    return expectation_over_contexts(problem.context_probs, kl_divergence(p, q))


def fine_tuning_objective(problem: TabularProblem, policy: ArrayLike, beta: ArrayLike) -> np.ndarray:
    """Return J(π) − β E_x KL(π ‖ π_ref), the objective that π*_β maximizes (``(*batch)``)."""
    penalty = np.asarray(beta, dtype=np.float64) * expected_kl(problem, policy, problem.reference_policy)
    return expected_reward(problem, policy) - penalty


def prompt_objective(problem: TabularProblem, prompter: ArrayLike, lam: ArrayLike) -> np.ndarray:
    """Return E_x E_ρ[r̄] − λ E_x KL(ρ ‖ ρ₀), the objective that ρ*_λ maximizes (``(*batch)``)."""
    penalty = np.asarray(lam, dtype=np.float64) * expected_kl(problem, prompter, problem.reference_prompter)
    return prompter_reward(problem, prompter) - penalty


def suboptimality_gap(problem: TabularProblem, beta: ArrayLike, lam: ArrayLike) -> np.ndarray:
    """Return Δ(β, λ) = J(π*_β) − J(ρ*_λ π_F), shape ``(*batch)``; it may be negative."""
    fine_tuned = expected_reward(problem, fine_tuned_policy(problem, beta))
    prompt_optimized = prompter_reward(problem, optimal_prompter(problem, lam))
    return fine_tuned - prompt_optimized
