r"""T5 and T6: how the optima and the gap move with the temperatures.

T5. For a Gibbs tilt p_τ ∝ q e^{v/τ}, ∂ log p_τ/∂τ = −(v − E_{p_τ}[v])/τ², hence

.. math::

    \frac{d}{d\tau} \mathbb{E}_{p_\tau}[v] = -\frac{\mathrm{Var}_{p_\tau}(v)}{\tau^2} \le 0.

With (q, v, τ) = (π_ref, r, β) and (ρ₀, r̄, λ):
∂Δ/∂β = −E_x Var_{π*_β}(r)/β² ≤ 0 and ∂Δ/∂λ = +E_x Var_{ρ*_λ}(r̄)/λ² ≥ 0, so Δ is
non-increasing in β and non-decreasing in λ.

T6. Expanding e^{v/τ} = 1 + v/τ + O(τ⁻²) gives E_{p_τ}[v] = E_q[v] + Var_q(v)/τ + O(τ⁻²), so

.. math::

    \Delta(\beta, \lambda) = [J(\pi_{ref}) - J(\rho_0\pi_F)]
        + \frac{\mathbb{E}_x \mathrm{Var}_{\pi_{ref}}(r)}{\beta}
        - \frac{\mathbb{E}_x \mathrm{Var}_{\rho_0}(\bar r)}{\lambda} + O(\beta^{-2} + \lambda^{-2}).

When π_ref = ρ₀π_F the bracket is 0 and the first-order gap vanishes at
λ/β = E_x Var_{ρ₀}(r̄) / E_x Var_{π_ref}(r). The law of total variance, with x' ~ ρ₀ and y ~ π_F(·|x'),
splits Var_{ρ₀π_F}(r) = Var_{ρ₀}(r̄) + E_{ρ₀} Var_{π_F(·|x')}(r), so Var_{ρ₀}(r̄) ≤ Var_{π_ref}(r)
and the vanishing ratio is at most 1 (another face of T4).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from bounds._validation import check_temperature
from bounds.divergences import expectation_over_contexts
from bounds.problem import TabularProblem
from bounds.solution import GapSolution, resolve_solution


def weighted_variance(probs: ArrayLike, values: ArrayLike) -> np.ndarray:
    """Return Var_p(v) = E_p[(v − E_p v)²] along the last axis (shape ``(...)``).

    Entries with p = 0 are dropped, so values off the support never enter (even huge ones).
    """
    probs = np.asarray(probs, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)

    centered = np.where(probs > 0, values - (probs * values).sum(axis=-1, keepdims=True), 0.0)
    return (probs * centered**2).sum(axis=-1)


def _divide_by_square(numerator: np.ndarray, temperature: np.ndarray) -> np.ndarray:
    """Return numerator / τ², which is 0 at τ = inf."""
    return numerator / np.square(temperature)


@dataclass(frozen=True)
class GapDerivatives:
    """Closed-form partial derivatives of Δ(β, λ), shape ``(*batch)``.

    Attributes:
        d_beta: ∂Δ/∂β = dJ(π*_β)/dβ = −E_x Var_{π*_β}(r)/β² ≤ 0.
        d_lam: ∂Δ/∂λ = −dJ(ρ*_λ π_F)/dλ = +E_x Var_{ρ*_λ}(r̄)/λ² ≥ 0.
    """

    d_beta: np.ndarray
    d_lam: np.ndarray


def gap_derivatives(
    problem: TabularProblem, beta: ArrayLike, lam: ArrayLike, *, solution: GapSolution | None = None
) -> GapDerivatives:
    """Return ∂Δ/∂β and ∂Δ/∂λ in closed form (T5, see module)."""
    solution = resolve_solution(problem, beta, lam, solution)
    context_probs = problem.context_probs

    reward_variance = expectation_over_contexts(context_probs, weighted_variance(solution.fine_tuned, problem.reward))
    value_variance = expectation_over_contexts(context_probs, weighted_variance(solution.prompter, problem.prompt_values))

    return GapDerivatives(
        d_beta=-_divide_by_square(reward_variance, solution.beta),
        d_lam=_divide_by_square(value_variance, solution.lam),
    )


@dataclass(frozen=True)
class VarianceSplit:
    """The law of total variance for the reference-induced policy, per context ``(*batch, n)``.

    Attributes:
        total: Var_{ρ₀π_F}(r), the response-level variance.
        between: Var_{ρ₀}(r̄), the prompt-level variance (≤ total).
        within: E_{ρ₀} Var_{π_F(·|x')}(r) ≥ 0; total = between + within.
    """

    total: np.ndarray
    between: np.ndarray
    within: np.ndarray


def variance_split(problem: TabularProblem) -> VarianceSplit:
    """Split Var_{ρ₀π_F}(r) into the prompt-level and within-prompt parts per context."""
    reward = problem.reward[..., :, None, :]
    per_prompt = weighted_variance(problem.target_policy[..., None, :, :], reward)

    return VarianceSplit(
        total=weighted_variance(problem.induced_reference, problem.reward),
        between=weighted_variance(problem.reference_prompter, problem.prompt_values),
        within=(problem.reference_prompter * per_prompt).sum(axis=-1),
    )


@dataclass(frozen=True)
class TemperatureExpansion:
    """First-order large-temperature expansions (T6), shape ``(*batch)``.

    Attributes:
        fine_tuned_reward: J(π_ref) + E_x Var_{π_ref}(r)/β, the approximation of J(π*_β).
        prompt_optimized_reward: J(ρ₀π_F) + E_x Var_{ρ₀}(r̄)/λ, the approximation of J(ρ*_λ π_F).
        gap: their difference, the first-order approximation of Δ.
        reward_variance: E_x Var_{π_ref}(r).
        value_variance: E_x Var_{ρ₀}(r̄).
        vanishing_ratio: λ/β at which the first-order gap is 0 when π_ref = ρ₀π_F, i.e.
            value_variance / reward_variance; NaN where reward_variance is 0 (then every ratio works).
    """

    fine_tuned_reward: np.ndarray
    prompt_optimized_reward: np.ndarray
    gap: np.ndarray
    reward_variance: np.ndarray
    value_variance: np.ndarray
    vanishing_ratio: np.ndarray


def temperature_expansion(problem: TabularProblem, beta: ArrayLike, lam: ArrayLike) -> TemperatureExpansion:
    """Return the first-order expansions of J(π*_β), J(ρ*_λ π_F) and Δ in 1/β and 1/λ (T6)."""
    beta = check_temperature("beta", beta)
    lam = check_temperature("lam", lam)
    context_probs = problem.context_probs

    reward_variance = expectation_over_contexts(context_probs, weighted_variance(problem.reference_policy, problem.reward))
    value_variance = expectation_over_contexts(
        context_probs, weighted_variance(problem.reference_prompter, problem.prompt_values)
    )

    reference_reward = expectation_over_contexts(context_probs, (problem.reference_policy * problem.reward).sum(axis=-1))
    induced_reward = expectation_over_contexts(
        context_probs, (problem.reference_prompter * problem.prompt_values).sum(axis=-1)
    )
    fine_tuned = reference_reward + reward_variance / beta
    prompt_optimized = induced_reward + value_variance / lam

    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(reward_variance > 0, value_variance / reward_variance, np.nan)

    return TemperatureExpansion(
        fine_tuned_reward=fine_tuned,
        prompt_optimized_reward=prompt_optimized,
        gap=fine_tuned - prompt_optimized,
        reward_variance=reward_variance,
        value_variance=value_variance,
        vanishing_ratio=ratio,
    )
