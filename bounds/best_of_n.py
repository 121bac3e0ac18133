r"""T9: best-of-n, the inference-time baseline that changes no weights.

Draw n outcomes i.i.d. from π on a finite set and keep the one with the highest value v. Sort the
outcomes by value and let F be the CDF of π in that order. For distinct values,

.. math::

    \pi_n(y_i) = F(y_i)^n - F(y_{i-1})^n,

the probability that the maximum of n draws is y_i. Ties: a block of outcomes with equal value
receives F_hi^n − F_lo^n in total, where F_lo and F_hi are the CDF just before and at the end of
the block. The block splits it in proportion to π, as a uniformly random tie-break among the
tied draws would. Because π_n/π is then constant on each block, every statement below reduces
to the same statement on blocks, whose values are distinct.

- KL(π_n‖π) ≤ log n − (n − 1)/n. Proof: on block i, π_n/π is the mean of g(u) = n u^{n−1} over
  [F_lo, F_hi]; Jensen for t log t gives KL ≤ ∫₀¹ g log g du = log n − (n − 1)/n. Equality needs
  a continuum of values; a binary outcome with π = (½, ½) at n = 100 has KL ≈ log 2.
- Win rate against π, P(v(Y_n) > v(Y)) + ½ P(v(Y_n) = v(Y)) with Y ~ π independent (ties count
  half), is at most n/(n + 1): on block i it is π_n(i) (F_lo + F_hi)/2, while the law with density
  n u^{n−1} on [F_lo, F_hi] has mean ≥ the midpoint, and those means sum to ∫₀¹ u d(uⁿ) = n/(n + 1).

Source of the statements: Beirami et al., "Theoretical guarantees on the best-of-n alignment
policy", arXiv 2401.01879. Best-of-n over responses uses (π_ref or another policy, r) per
context; over prompts it uses (ρ₀, r̄), drawing n prompts and keeping the one with the best
expected reward, so both can be compared with prompt optimization at equal KL.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from bounds.divergences import expectation_over_contexts, kl_divergence
from bounds.problem import TabularProblem


def _check_draws(n_draws: int) -> int:
    if isinstance(n_draws, bool) or int(n_draws) != n_draws or n_draws < 1:
        raise ValueError(f"n_draws: got {n_draws!r}; the number of draws must be an integer ≥ 1")
    return int(n_draws)


def _block_cdf(probs: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (order, F_lo, F_hi) in sorted order: the CDF before and at the end of each tie block."""
    order = np.argsort(values, axis=-1, kind="stable")
    sorted_probs = np.take_along_axis(probs, order, axis=-1)
    sorted_values = np.take_along_axis(values, order, axis=-1)
    # Dividing by the total makes the last CDF entry exactly 1 for rows summing to 1 only within tolerance.
    cumulative = np.cumsum(sorted_probs, axis=-1)
    cdf = np.minimum(cumulative / cumulative[..., -1:], 1.0)
    before = np.concatenate([np.zeros_like(cdf[..., :1]), cdf[..., :-1]], axis=-1)

    # A block ends where the next value differs; F_hi is the CDF at the first block end at or after i.
    differs = sorted_values[..., 1:] != sorted_values[..., :-1]
    last = np.ones(differs.shape[:-1] + (1,), dtype=bool)
    is_end = np.concatenate([differs, last], axis=-1)
    is_start = np.concatenate([last, differs], axis=-1)

    end_cdf = np.where(is_end, cdf, np.inf)
    f_hi = np.flip(np.minimum.accumulate(np.flip(end_cdf, axis=-1), axis=-1), axis=-1)
    start_cdf = np.where(is_start, before, -np.inf)
    f_lo = np.maximum.accumulate(start_cdf, axis=-1)
    return order, f_lo, f_hi


@dataclass(frozen=True)
class BestOfNDistribution:
    """Best-of-n from π on a finite set, per row ``(...)`` unless noted.

    Attributes:
        probs: π_n, shape ``(..., k)``.
        expected_value: E_{π_n}[v].
        kl: KL(π_n ‖ π) in nats.
        kl_bound: log n − (n − 1)/n (a scalar).
        win_rate: P(v(Y_n) > v(Y)) + ½ P(v(Y_n) = v(Y)), Y ~ π.
        win_rate_bound: n/(n + 1) (a scalar).
    """

    probs: np.ndarray
    expected_value: np.ndarray
    kl: np.ndarray
    kl_bound: float
    win_rate: np.ndarray
    win_rate_bound: float


def best_of_n_distribution(probs: ArrayLike, values: ArrayLike, n_draws: int) -> BestOfNDistribution:
    """Return the exact best-of-n distribution of π and its reward, KL and win rate (see module).

    Args:
        probs: π of shape ``(..., k)`` on the simplex.
        values: v of shape ``(..., k)``, finite.
        n_draws: n ≥ 1.
    """
    n_draws = _check_draws(n_draws)
    probs = np.asarray(probs, dtype=np.float64)
    values = np.broadcast_to(np.asarray(values, dtype=np.float64), probs.shape)

    order, f_lo, f_hi = _block_cdf(probs, values)
    sorted_probs = np.take_along_axis(probs, order, axis=-1)
    sorted_probs = sorted_probs / sorted_probs.sum(axis=-1, keepdims=True)

    block_mass = f_hi - f_lo
    block_best = f_hi**n_draws - f_lo**n_draws
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(block_mass > 0, sorted_probs / block_mass, 0.0)
    sorted_best = block_best * share
    win_rate = (sorted_best * 0.5 * (f_lo + f_hi)).sum(axis=-1)

    best = np.empty_like(sorted_best)
    np.put_along_axis(best, order, sorted_best, axis=-1)

    return BestOfNDistribution(
        probs=best,
        expected_value=(best * values).sum(axis=-1),
        kl=kl_divergence(best, probs),
        kl_bound=float(np.log(n_draws) - (n_draws - 1) / n_draws),
        win_rate=win_rate,
        win_rate_bound=n_draws / (n_draws + 1.0),
    )


@dataclass(frozen=True)
class BestOfNResult:
    """Best-of-n applied to a problem, comparable with prompt optimization (``(*batch)`` unless noted).

    Attributes:
        per_context: the best-of-n distribution per context (shape ``(*batch, n, ·)`` fields).
        policy: the response policy it induces, shape ``(*batch, n, k)``.
        reward: J(policy), the expected reward.
        kl: E_x KL(best-of-n ‖ its source) where it selects (responses or prompts), nats.
        response_kl: E_x KL(policy ‖ source response policy), nats; equals ``kl`` over responses.
        win_rate: E_x of the per-context win rate.
    """

    per_context: BestOfNDistribution
    policy: np.ndarray
    reward: np.ndarray
    kl: np.ndarray
    response_kl: np.ndarray
    win_rate: np.ndarray


def best_of_n_responses(problem: TabularProblem, n_draws: int, policy: ArrayLike | None = None) -> BestOfNResult:
    """Apply best-of-n over responses y ~ policy(·|x) with reward r(x, y) in every context.

    Args:
        problem: the tabular problem.
        n_draws: n ≥ 1.
        policy: the sampling policy of shape ``(*batch, n, k)``; default π_ref. Pass
            ``problem.induced_reference`` for sampling from the target with prompts drawn from ρ₀.
    """
    source = problem.reference_policy if policy is None else np.asarray(policy, dtype=np.float64)
    per_context = best_of_n_distribution(source, problem.reward, n_draws)

    kl = expectation_over_contexts(problem.context_probs, per_context.kl)
    return BestOfNResult(
        per_context=per_context,
        policy=per_context.probs,
        reward=expectation_over_contexts(problem.context_probs, per_context.expected_value),
        kl=kl,
        response_kl=kl,
        win_rate=expectation_over_contexts(problem.context_probs, per_context.win_rate),
    )


def best_of_n_prompts(problem: TabularProblem, n_draws: int) -> BestOfNResult:
    """Apply best-of-n over prompts x' ~ ρ₀(·|x), keeping the prompt with the highest r̄(x, x').

    ``kl`` is E_x KL(ρ_n ‖ ρ₀) on prompts and ``response_kl`` is E_x KL(ρ_nπ_F ‖ ρ₀π_F) (at most ``kl`` by T4).
    """
    per_context = best_of_n_distribution(problem.reference_prompter, problem.prompt_values, n_draws)
    policy = problem.induced_policy(per_context.probs)
    context_probs = problem.context_probs

    return BestOfNResult(
        per_context=per_context,
        policy=policy,
        reward=expectation_over_contexts(context_probs, per_context.expected_value),
        kl=expectation_over_contexts(context_probs, per_context.kl),
        response_kl=expectation_over_contexts(context_probs, kl_divergence(policy, problem.induced_reference)),
        win_rate=expectation_over_contexts(context_probs, per_context.win_rate),
    )
