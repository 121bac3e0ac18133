r"""KL-budget forms of the tabular problems, solved by root finding on the temperature.

With a budget :math:`\varepsilon \ge 0` (nats) in place of a penalty, the problem is

.. math::

    \max_{p} \; \sum_x P(x) \langle p_x, v_x \rangle
    \quad\text{subject to}\quad \sum_x P(x)\, \mathrm{KL}(p_x \| q_x) \le \varepsilon,

where :math:`p_x, q_x` are distributions over a finite set (responses for fine-tuning, prompts for
prompt optimization), :math:`v_x` the values (r or r̄) and P the context weights. The Lagrangian
with multiplier :math:`\tau \ge 0` is the penalized problem at temperature τ, so when the budget
binds the optimum is the Gibbs tilt :math:`p_x \propto q_x e^{v_x/\tau}` with one temperature
shared by all contexts, chosen so that :math:`\sum_x P(x) \mathrm{KL}(p_x\|q_x) = \varepsilon`.

The expected KL of the tilt increases strictly from 0 (τ = ∞) to
:math:`\kappa = \sum_x P(x) \log(1 / q_x(A_x))` (τ → 0), where :math:`A_x` is the arg max set of
:math:`v_x` on the support of :math:`q_x`. Hence:

- ε ≥ κ: the budget is slack, the optimum is the τ → 0 limit and the multiplier is τ = 0;
- ε = 0 < κ: the optimum is the reference q, with τ = ∞;
- 0 < ε < κ: ``scipy.optimize.brentq`` finds :math:`s = \log(1/\tau)` with expected KL equal to ε.
  The search runs on the log of the inverse temperature because the KL changes on many decades of τ.

Constant values on a support give κ = 0 there, so every budget is slack and the optimum is q.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import brentq

from bounds._validation import as_float_array, check_distribution, check_finite
from bounds.divergences import expectation_over_contexts
from bounds.gibbs import gibbs_limit, log_gibbs_tilt
from bounds.problem import TabularProblem

logger = logging.getLogger(__name__)

# A budget within this relative distance of the largest reachable KL counts as slack: closer than
# that, the tilt and its τ → 0 limit differ by rounding only.
_SLACK_RTOL = 1e-12
# Each bracketing step multiplies the inverse temperature by e²; 400 steps cover every float64 scale.
_BRACKET_STEP = 2.0
_BRACKET_STEPS = 400


@dataclass(frozen=True)
class KLBudgetSolution:
    """Optimum of reward maximization under a KL budget.

    Attributes:
        distribution: the optimal p, shape ``(..., k)`` (one row per context for problems).
        reward: ⟨p, v⟩ per distribution, or the expected reward J for a problem, shape ``(...)``.
        kl: the KL (expected over contexts for a problem) reached by ``distribution``, in nats.
        temperature: the Lagrange multiplier τ ∈ [0, ∞]: 0 when the budget is slack, ∞ at ε = 0.
        budget: the budget ε in nats, broadcast to the shape of ``reward``.
        binding: whether the constraint is active (``kl`` equals ``budget``).
    """

    distribution: np.ndarray
    reward: np.ndarray
    kl: np.ndarray
    temperature: np.ndarray
    budget: np.ndarray
    binding: np.ndarray


def _expected_kl_of_log(context_probs: np.ndarray, log_p: np.ndarray, log_q: np.ndarray) -> float:
    """Return Σ_x P(x) KL(p_x‖q_x) from log-probabilities, with 0 · log 0 = 0 off the support of p."""
    on_support = np.isfinite(log_p)
    terms = np.where(on_support, np.exp(log_p) * (np.where(on_support, log_p, 0.0) - np.where(on_support, log_q, 0.0)), 0.0)
    return float(expectation_over_contexts(context_probs, np.maximum(terms.sum(axis=-1), 0.0)))


def _bracket(objective, start: float) -> tuple[float, float] | None:
    """Return (low, high) with objective(low) < 0 < objective(high), or None if the scan runs out."""
    low = high = start
    for _ in range(_BRACKET_STEPS):
        if objective(low) < 0:
            break
        low -= _BRACKET_STEP
    else:
        return None

    for _ in range(_BRACKET_STEPS):
        if objective(high) > 0:
            return low, high
        high += _BRACKET_STEP
    return None


def _solve_shared_temperature(context_probs, reference, values, epsilon: float):
    """Solve one instance: P of shape (n,), q and v of shape (n, k); return the solution fields."""
    with np.errstate(divide="ignore"):
        log_q = np.log(reference)

    limit = gibbs_limit(reference, values)
    with np.errstate(divide="ignore"):
        kl_max = _expected_kl_of_log(context_probs, np.log(limit), log_q)

    def reward_of(distribution):
        return float(expectation_over_contexts(context_probs, (distribution * values).sum(axis=-1)))

    if epsilon >= kl_max - _SLACK_RTOL * max(kl_max, 1.0):
        return limit, reward_of(limit), kl_max, 0.0, False
    if epsilon == 0.0:
        return reference.copy(), reward_of(reference), 0.0, np.inf, True

    def log_tilt(log_inverse_temperature):
        temperature = np.full(context_probs.shape, np.exp(-log_inverse_temperature))
        return log_gibbs_tilt(log_q, values, temperature)

    def excess_kl(log_inverse_temperature):
        return _expected_kl_of_log(context_probs, log_tilt(log_inverse_temperature), log_q) - epsilon

    # Start at τ = the largest value span on a support, where the tilt has moved by order one.
    spans = np.where(reference > 0, values, -np.inf).max(axis=-1) - np.where(reference > 0, values, np.inf).min(axis=-1)
    bracket = _bracket(excess_kl, -np.log(spans.max()))
    if bracket is None:
        # The KL of the tilt cannot be separated from its τ → 0 limit in float64.
        logger.info("budget %.3g is within rounding of the largest reachable KL %.3g; returning the limit", epsilon, kl_max)
        return limit, reward_of(limit), kl_max, 0.0, False

    root = brentq(excess_kl, *bracket, xtol=1e-13, rtol=4 * np.finfo(float).eps, maxiter=500)
    distribution = np.exp(log_tilt(root))
    kl = _expected_kl_of_log(context_probs, log_tilt(root), log_q)
    return distribution, reward_of(distribution), kl, float(np.exp(-root)), True


def _check_budget(epsilon: ArrayLike, batch_shape: tuple[int, ...]) -> np.ndarray:
    budget = as_float_array("epsilon", epsilon)
    if np.isnan(budget).any() or (budget < 0).any():
        raise ValueError(f"epsilon: every KL budget must be ≥ 0 in nats (inf allowed), got {budget!r}")
    try:
        return np.broadcast_to(budget, batch_shape)
    except ValueError:
        raise ValueError(f"epsilon: shape {budget.shape} does not broadcast to the batch shape {batch_shape}") from None


def _solve_batch(context_probs, reference, values, epsilon, batch_shape) -> KLBudgetSolution:
    """Run :func:`_solve_shared_temperature` for every index of ``batch_shape`` and stack the fields."""
    budget = _check_budget(epsilon, batch_shape)
    distribution = np.empty(reference.shape)
    reward, kl, temperature = np.empty(batch_shape), np.empty(batch_shape), np.empty(batch_shape)
    binding = np.empty(batch_shape, dtype=bool)

    for index in np.ndindex(*batch_shape):
        fields = _solve_shared_temperature(context_probs[index], reference[index], values[index], float(budget[index]))
        distribution[index], reward[index], kl[index], temperature[index], binding[index] = fields

    return KLBudgetSolution(distribution, reward, kl, temperature, np.array(budget, dtype=np.float64), binding)


def max_reward_under_kl(reference: ArrayLike, values: ArrayLike, budget: ArrayLike) -> KLBudgetSolution:
    """Maximize ⟨p, v⟩ subject to KL(p‖q) ≤ ε, independently for every distribution of a batch.

    Args:
        reference: q of shape ``(..., k)``, rows on the simplex.
        values: v of shape ``(..., k)``, finite.
        budget: ε ≥ 0 in nats, shape ``()`` or ``(...)``; ``inf`` makes every budget slack.

    Returns:
        :class:`KLBudgetSolution` with ``distribution`` of shape ``(..., k)`` and the other fields
        of shape ``(...)``.
    """
    reference = as_float_array("reference", reference, ndim_min=1)
    values = as_float_array("values", values, ndim_min=1)
    check_distribution("reference", reference)
    check_finite("values", values)
    if values.shape != reference.shape:
        raise ValueError(f"values: expected the shape of reference {reference.shape}, got {values.shape}")

    # Each distribution is a one-context problem with weight 1.
    context_probs = np.ones(reference.shape[:-1] + (1,))
    solution = _solve_batch(context_probs, reference[..., None, :], values[..., None, :], budget, reference.shape[:-1])
    return KLBudgetSolution(
        solution.distribution[..., 0, :], solution.reward, solution.kl, solution.temperature, solution.budget, solution.binding
    )


def fine_tuning_under_budget(problem: TabularProblem, epsilon: ArrayLike) -> KLBudgetSolution:
    """Maximize J(π) subject to E_x KL(π‖π_ref) ≤ ε; the optimum is π*_β with one shared β.

    Args:
        problem: a problem of batch shape ``(*batch)``.
        epsilon: ε ≥ 0 in nats, shape ``()`` or ``(*batch)``.

    Returns:
        :class:`KLBudgetSolution` with ``distribution`` π of shape ``(*batch, n, k)``, ``reward``
        J(π), ``kl`` E_x KL(π‖π_ref) and ``temperature`` β, each of shape ``(*batch)``.
    """
    return _solve_batch(problem.context_probs, problem.reference_policy, problem.reward, epsilon, problem.batch_shape)


def prompt_optimization_under_budget(problem: TabularProblem, epsilon: ArrayLike) -> KLBudgetSolution:
    """Maximize J(ρπ_F) subject to E_x KL(ρ‖ρ₀) ≤ ε; the optimum is ρ*_λ with one shared λ.

    Args:
        problem: a problem of batch shape ``(*batch)``.
        epsilon: ε ≥ 0 in nats, shape ``()`` or ``(*batch)``.

    Returns:
        :class:`KLBudgetSolution` with ``distribution`` ρ of shape ``(*batch, n, m)``, ``reward``
        J(ρπ_F), ``kl`` E_x KL(ρ‖ρ₀) and ``temperature`` λ, each of shape ``(*batch)``.
    """
    return _solve_batch(
        problem.context_probs, problem.reference_prompter, problem.prompt_values, epsilon, problem.batch_shape
    )
