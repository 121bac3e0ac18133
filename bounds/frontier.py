r"""Reward–KL frontiers of fine-tuning and of prompt optimization (matched-budget dominance).

Each frontier is the parametric curve traced by the Gibbs optimum as the temperature runs from
∞ (the reference, KL = 0) down to 0 (the arg max on the support, the largest reachable KL):

.. math::

    \beta \mapsto \big(\mathbb{E}_x \mathrm{KL}(\pi^*_\beta \| \pi_{ref}),\; J(\pi^*_\beta)\big), \qquad
    \lambda \mapsto \big(\mathbb{E}_x \mathrm{KL}(\rho^*_\lambda \| \rho_0),\; J(\rho^*_\lambda \pi_F)\big).

Every point of a curve solves the KL-budget problem at its own KL (:mod:`bounds.constrained`), so
the curve is the graph of ε ↦ max{J : E_x KL ≤ ε}. When :math:`\pi_{ref} = \rho_0 \pi_F`, the
data-processing inequality gives :math:`\mathrm{KL}(\rho\pi_F\|\rho_0\pi_F) \le \mathrm{KL}(\rho\|\rho_0)`
per context, so every prompter of prompt-space budget ε induces a policy of response-space budget
ε. Hence the prompt-optimization frontier lies on or below the fine-tuning frontier at every
budget. :func:`prompt_frontier_output_kl` gives the same prompters measured in response space,
which moves each point of the prompt frontier to the left.

Shapes: ``temperatures`` is a 1-D grid of length T; every returned array has shape
``(T, *batch)`` (one row per temperature or budget).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from bounds._validation import as_float_array
from bounds.constrained import fine_tuning_under_budget, prompt_optimization_under_budget
from bounds.objectives import expected_kl, expected_reward, prompter_reward
from bounds.optima import fine_tuned_policy, fine_tuned_policy_limit, optimal_prompter, optimal_prompter_limit
from bounds.problem import TabularProblem


@dataclass(frozen=True)
class Frontier:
    """Points (KL, reward) of a parametric Gibbs curve.

    Attributes:
        temperature: the grid of β or λ, shape ``(T,)``; 0 and inf are the two limits.
        kl: expected KL in nats against the reference named by the function, shape ``(T, *batch)``.
        reward: expected reward J of the optimum, shape ``(T, *batch)``.
    """

    temperature: np.ndarray
    kl: np.ndarray
    reward: np.ndarray


@dataclass(frozen=True)
class FrontierAtBudget:
    """Both frontiers evaluated at given KL budgets.

    Attributes:
        budget: ε in nats, shape ``(B,)``.
        fine_tuning_reward: max{J(π) : E_x KL(π‖π_ref) ≤ ε}, shape ``(B, *batch)``.
        prompt_reward: max{J(ρπ_F) : E_x KL(ρ‖ρ₀) ≤ ε}, shape ``(B, *batch)``.
        fine_tuning_temperature: β of the fine-tuning optimum (0 where the budget is slack).
        prompt_temperature: λ of the prompt-optimization optimum (0 where the budget is slack).
    """

    budget: np.ndarray
    fine_tuning_reward: np.ndarray
    prompt_reward: np.ndarray
    fine_tuning_temperature: np.ndarray
    prompt_temperature: np.ndarray


def default_temperatures(scale: float = 1.0, n_points: int = 49, decades: float = 3.0) -> np.ndarray:
    """Return the grid [0, scale·10^-decades, …, scale·10^decades, inf], log-spaced in between.

    Args:
        scale: the temperature at the centre of the grid, in reward units (e.g. the reward span).
        n_points: number of finite positive temperatures.
        decades: half-width of the log-spaced part, in powers of ten.

    Returns:
        Increasing array of shape ``(n_points + 2,)`` starting at 0 and ending at inf.
    """
    if not (np.isfinite(scale) and scale > 0):
        raise ValueError(f"scale: expected a finite temperature > 0, got {scale!r}")
    if int(n_points) < 2:
        raise ValueError(f"n_points: expected at least 2 grid points, got {n_points!r}")
    if not (np.isfinite(decades) and decades > 0):
        raise ValueError(f"decades: expected a finite number of powers of ten > 0, got {decades!r}")

    positive = scale * np.logspace(-decades, decades, int(n_points))
    return np.concatenate([[0.0], positive, [np.inf]])


def _check_grid(temperatures: ArrayLike) -> np.ndarray:
    grid = as_float_array("temperatures", temperatures)
    if grid.ndim != 1 or grid.size == 0:
        raise ValueError(f"temperatures: expected a non-empty 1-D grid, got shape {grid.shape}")
    if np.isnan(grid).any() or (grid < 0).any():
        raise ValueError(f"temperatures: every entry must be ≥ 0 (0 and inf are the limits), got {grid!r}")
    return grid


def _optima(temperature: float, solve, solve_limit, problem: TabularProblem) -> np.ndarray:
    """Return the Gibbs optimum at one temperature; τ = 0 is the limit, τ = inf goes through the tilt."""
    if temperature == 0.0:
        return solve_limit(problem)
    return solve(problem, temperature)


def fine_tuning_frontier(problem: TabularProblem, temperatures: ArrayLike) -> Frontier:
    """Return the points (E_x KL(π*_β‖π_ref), J(π*_β)) for each β of the grid."""
    grid = _check_grid(temperatures)

    policies = [_optima(beta, fine_tuned_policy, fine_tuned_policy_limit, problem) for beta in grid]
    kl = np.stack([expected_kl(problem, policy, problem.reference_policy) for policy in policies])
    reward = np.stack([expected_reward(problem, policy) for policy in policies])
    return Frontier(grid, kl, reward)


def prompt_frontier(problem: TabularProblem, temperatures: ArrayLike) -> Frontier:
    """Return the points (E_x KL(ρ*_λ‖ρ₀), J(ρ*_λ π_F)) for each λ of the grid (prompt-space KL)."""
    grid = _check_grid(temperatures)

    prompters = [_optima(lam, optimal_prompter, optimal_prompter_limit, problem) for lam in grid]
    kl = np.stack([expected_kl(problem, prompter, problem.reference_prompter) for prompter in prompters])
    reward = np.stack([prompter_reward(problem, prompter) for prompter in prompters])
    return Frontier(grid, kl, reward)


def prompt_frontier_output_kl(problem: TabularProblem, temperatures: ArrayLike) -> Frontier:
    """Return the points (E_x KL(ρ*_λπ_F‖ρ₀π_F), J(ρ*_λ π_F)) for each λ (response-space KL).

    The KL is against ρ₀π_F even when the problem's π_ref differs from it. By the data-processing
    inequality it is at most the prompt-space KL of :func:`prompt_frontier` at the same λ.
    """
    grid = _check_grid(temperatures)

    prompters = [_optima(lam, optimal_prompter, optimal_prompter_limit, problem) for lam in grid]
    induced = [problem.induced_policy(prompter) for prompter in prompters]
    kl = np.stack([expected_kl(problem, policy, problem.induced_reference) for policy in induced])
    reward = np.stack([prompter_reward(problem, prompter) for prompter in prompters])
    return Frontier(grid, kl, reward)


def frontier_at_budget(problem: TabularProblem, budgets: ArrayLike) -> FrontierAtBudget:
    """Evaluate both frontiers at each KL budget ε (nats) by root finding on the temperature.

    Args:
        problem: a problem of batch shape ``(*batch)``.
        budgets: ε ≥ 0, a 1-D array of length B.

    Returns:
        :class:`FrontierAtBudget` with arrays of shape ``(B, *batch)``. With π_ref = ρ₀π_F,
        ``prompt_reward ≤ fine_tuning_reward`` at every budget.
    """
    budgets = as_float_array("budgets", budgets)
    if budgets.ndim != 1 or budgets.size == 0:
        raise ValueError(f"budgets: expected a non-empty 1-D array of KL budgets in nats, got shape {budgets.shape}")

    fine_tuning = [fine_tuning_under_budget(problem, epsilon) for epsilon in budgets]
    prompt = [prompt_optimization_under_budget(problem, epsilon) for epsilon in budgets]
    return FrontierAtBudget(
        budget=budgets,
        fine_tuning_reward=np.stack([solution.reward for solution in fine_tuning]),
        prompt_reward=np.stack([solution.reward for solution in prompt]),
        fine_tuning_temperature=np.stack([solution.temperature for solution in fine_tuning]),
        prompt_temperature=np.stack([solution.temperature for solution in prompt]),
    )
