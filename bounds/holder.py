r"""T1, the Hölder (total-variation) bound on a difference of expected rewards, and its tight case.

For two policies p, q of shape ``(*batch, n, k)``,

.. math::

    |J(p) - J(q)| \le \mathbb{E}_x\, \mathrm{span}(x)\, \mathrm{TV}(p(\cdot|x), q(\cdot|x)),
    \qquad \mathrm{span}(x) = \max_y r(x,y) - \min_y r(x,y),

where J is the expected reward under the context weights P(x). Proof, per context: Σ_y (p − q) = 0,
so Σ_y (p − q) r = Σ_y (p − q)(r − c) for c the midpoint of the range of r(x, ·), and
|r − c| ≤ span/2 gives |Σ (p − q) r| ≤ (span/2) ‖p − q‖₁ = span · TV.

Equality holds for a two-valued reward that takes its high value where p > q and its low value
elsewhere (:func:`tight_holder_reward`). Applied to p = π*_β and q = ρ*_λ π_F it bounds the gap Δ.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from bounds.divergences import expectation_over_contexts, total_variation
from bounds.problem import TabularProblem
from bounds.solution import GapSolution, resolve_solution, reward_span


@dataclass(frozen=True)
class HolderBound:
    """The T1 bound E_x span(x) TV(x) and its parts.

    Attributes:
        value: the bound, shape ``(*batch)``.
        span: span(x), shape ``(*batch, n)``.
        tv: TV(p(·|x), q(·|x)), shape ``(*batch, n)``.
    """

    value: np.ndarray
    span: np.ndarray
    tv: np.ndarray


def holder_bound(problem: TabularProblem, p: ArrayLike, q: ArrayLike) -> HolderBound:
    """Bound |J(p) − J(q)| by E_x span(x) TV(p(·|x), q(·|x)) for policies of shape ``(*batch, n, k)``."""
    span = reward_span(problem.reward)
    tv = total_variation(p, q)
    value = expectation_over_contexts(problem.context_probs, span * tv)
    return HolderBound(value=value, span=span, tv=tv)


def holder_gap_bound(
    problem: TabularProblem, beta: ArrayLike, lam: ArrayLike, *, solution: GapSolution | None = None
) -> HolderBound:
    """Bound the gap Δ(β, λ) by E_x span(x) TV(π*_β(·|x), ρ*_λ π_F(·|x)) (T1 with p = π*_β, q = ρ*_λ π_F)."""
    solution = resolve_solution(problem, beta, lam, solution)
    return holder_bound(problem, solution.fine_tuned, solution.induced)


def tight_holder_reward(p: ArrayLike, q: ArrayLike, low: float = 0.0, high: float = 1.0) -> np.ndarray:
    """Return the two-valued reward (``high`` where p > q, ``low`` elsewhere) that makes T1 an equality.

    With this reward J(p) − J(q) = E_x (high − low) TV(p, q) = E_x span(x) TV(p, q): every context
    where p ≠ q has both values, so span = high − low, and one where p = q contributes 0 to both sides.

    Args:
        p, q: policies of shape ``(..., n, k)``.
        low, high: the two reward values, ``low < high``.

    Returns:
        Reward of shape ``(..., n, k)``.
    """
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise ValueError(f"low, high: expected finite low < high, got low={low!r}, high={high!r}")

    p = np.asarray(p, dtype=np.float64)
    q = np.asarray(q, dtype=np.float64)
    return np.where(p > q, float(high), float(low))


def tight_holder_problem(problem: TabularProblem, p: ArrayLike, q: ArrayLike) -> TabularProblem:
    """Return ``problem`` with its reward replaced by :func:`tight_holder_reward` of p and q (values 0 and 1)."""
    return TabularProblem(
        context_probs=problem.context_probs,
        reward=tight_holder_reward(p, q),
        target_policy=problem.target_policy,
        reference_prompter=problem.reference_prompter,
        reference_policy=problem.reference_policy,
    )
