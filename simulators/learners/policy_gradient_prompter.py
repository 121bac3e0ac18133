r"""Tabular softmax prompter trained by KL-regularized policy gradient from sampled rewards.

The learner draws x ~ P, x' ~ ρ_θ(·|x), y ~ π_F(·|x') and observes only r(x, y) (plus optional
Gaussian noise). It maximizes E_x[E_{ρ_θ} r̄ − λ KL(ρ_θ ‖ ρ₀)] with the REINFORCE estimator and the
exact KL gradient (see :mod:`simulators.learners._reinforce`), so it converges to
ρ*_λ ∝ ρ₀ e^{r̄/λ} (:func:`bounds.optimal_prompter`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from bounds import TabularProblem, optimal_prompter, prompt_objective
from simulators.learners._reinforce import ReinforceSettings, run_reinforce
from simulators.sampling import sample_categorical


@dataclass(frozen=True)
class PolicyGradientResult:
    """A learned table with its learning curve.

    Attributes:
        table: the learned prompter ``(n, m)`` or policy ``(n, k)``.
        optimum: the closed-form optimum it should approach, same shape.
        history: columns ``step``, ``tv_to_optimum`` (max over contexts), ``kl_to_optimum``
            (E_x KL(optimum ‖ table), nats).
        diagnostics: ``samples`` drawn, final distances, ``objective_gap`` (optimal regularized
            objective minus that of ``table``, exact).
    """

    table: np.ndarray
    optimum: np.ndarray
    history: pd.DataFrame
    diagnostics: dict[str, float]


def train_prompter_policy_gradient(
    problem: TabularProblem,
    lam: float,
    rng: np.random.Generator,
    settings: ReinforceSettings | None = None,
    *,
    reward_noise: float = 0.0,
    progress: bool = False,
) -> PolicyGradientResult:
    """Train a softmax prompter by KL-regularized REINFORCE toward ρ*_λ."""
    settings = settings or ReinforceSettings()
    optimum = optimal_prompter(problem, lam)

    def sample_rewards(contexts: np.ndarray, prompts: np.ndarray, generator: np.random.Generator) -> np.ndarray:
        responses = sample_categorical(problem.target_policy[prompts], generator)
        rewards = problem.reward[contexts, responses]
        if reward_noise > 0:
            rewards = rewards + reward_noise * generator.standard_normal(rewards.shape)
        return rewards

    prompter, history, diagnostics = run_reinforce(
        problem.reference_prompter, problem.context_probs, sample_rewards, lam, optimum, rng, settings,
        progress=progress, description="prompter policy gradient",
    )
    diagnostics["objective_gap"] = float(prompt_objective(problem, optimum, lam) - prompt_objective(problem, prompter, lam))
    return PolicyGradientResult(prompter, optimum, history, diagnostics)
