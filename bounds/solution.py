r"""Both optima of one problem, solved once and shared by every bound.

Every statement in this package compares the fine-tuned optimum
:math:`\pi^*_\beta \propto \pi_{ref} e^{r/\beta}` with the policy induced by the optimal prompter
:math:`\tilde\pi = \rho^*_\lambda \pi_F`, :math:`\rho^*_\lambda \propto \rho_0 e^{\bar r/\lambda}`.
:func:`solve_gap` computes both once, so that a report of all bounds costs one Gibbs tilt of each
kind; the statement functions accept its result through their ``solution`` keyword.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import ArrayLike

from bounds._validation import check_temperature
from bounds.divergences import kl_divergence
from bounds.objectives import expected_reward, prompter_reward
from bounds.optima import fine_tuned_policy, optimal_prompter
from bounds.problem import TabularProblem


@dataclass(frozen=True, eq=False)
class GapSolution:
    """The two optima of a problem and the gap between their rewards.

    Attributes:
        problem: the problem that was solved.
        beta, lam: the temperatures, float64 arrays of shape ``()`` or ``(*batch)``.
        fine_tuned: π*_β, shape ``(*batch, n, k)``.
        prompter: ρ*_λ, shape ``(*batch, n, m)``.
        induced: ρ*_λ π_F, shape ``(*batch, n, k)``.
        fine_tuned_reward: J(π*_β), shape ``(*batch)``.
        prompt_optimized_reward: J(ρ*_λ π_F), shape ``(*batch)``.
        gap: Δ = J(π*_β) − J(ρ*_λ π_F), shape ``(*batch)``; it may be negative.
    """

    problem: TabularProblem
    beta: np.ndarray
    lam: np.ndarray
    fine_tuned: np.ndarray
    prompter: np.ndarray
    induced: np.ndarray
    fine_tuned_reward: np.ndarray
    prompt_optimized_reward: np.ndarray
    gap: np.ndarray

    @cached_property
    def forward_kl(self) -> np.ndarray:
        """KL(π*_β(·|x) ‖ ρ*_λ π_F(·|x)) in nats, shape ``(*batch, n)``, computed once on first use."""
        return kl_divergence(self.fine_tuned, self.induced)

    @cached_property
    def reverse_kl(self) -> np.ndarray:
        """KL(ρ*_λ π_F(·|x) ‖ π*_β(·|x)) in nats, shape ``(*batch, n)``, computed once on first use."""
        return kl_divergence(self.induced, self.fine_tuned)


def solve_gap(problem: TabularProblem, beta: ArrayLike, lam: ArrayLike) -> GapSolution:
    """Solve fine-tuning at β and prompt optimization at λ in closed form.

    Args:
        problem: a (possibly batched) tabular problem.
        beta: β > 0 (``inf`` allowed), shape ``()`` or ``(*batch)``.
        lam: λ > 0 (``inf`` allowed), shape ``()`` or ``(*batch)``.
    """
    beta = check_temperature("beta", beta)
    lam = check_temperature("lam", lam)

    fine_tuned = fine_tuned_policy(problem, beta)
    prompter = optimal_prompter(problem, lam)
    induced = problem.induced_policy(prompter)

    fine_tuned_reward = expected_reward(problem, fine_tuned)
    prompt_optimized_reward = prompter_reward(problem, prompter)

    return GapSolution(
        problem=problem,
        beta=beta,
        lam=lam,
        fine_tuned=fine_tuned,
        prompter=prompter,
        induced=induced,
        fine_tuned_reward=fine_tuned_reward,
        prompt_optimized_reward=prompt_optimized_reward,
        gap=fine_tuned_reward - prompt_optimized_reward,
    )


def resolve_solution(problem: TabularProblem, beta: ArrayLike, lam: ArrayLike, solution: GapSolution | None) -> GapSolution:
    """Return ``solution`` when given (it must belong to ``problem``), else solve the problem."""
    if solution is None:
        return solve_gap(problem, beta, lam)

    if solution.problem is not problem:
        raise ValueError("solution: it was computed for another problem; call solve_gap(problem, beta, lam) again")
    for name, given, solved in (("beta", beta, solution.beta), ("lam", lam, solution.lam)):
        if not np.array_equal(np.asarray(given, dtype=np.float64), solved):
            raise ValueError(f"solution: it was computed at {name}={solved!r}, not {given!r}; solve again at the new {name}")
    return solution


def reward_span(reward: ArrayLike) -> np.ndarray:
    """Return span(x) = max_y r(x, y) − min_y r(x, y) for a reward of shape ``(..., k)`` (shape ``(...)``)."""
    reward = np.asarray(reward, dtype=np.float64)
    return reward.max(axis=-1) - reward.min(axis=-1)
