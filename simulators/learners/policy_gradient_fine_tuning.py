r"""Tabular fine-tuning by KL-regularized policy gradient (RLHF with a known reward, sampled).

The learner draws x ~ P, y ~ π_θ(·|x) and observes r(x, y) (plus optional Gaussian noise). It
maximizes J(π_θ) − β E_x KL(π_θ ‖ π_ref) with the REINFORCE estimator and the exact KL gradient
(see :mod:`simulators.learners._reinforce`), converging to π*_β ∝ π_ref e^{r/β}
(:func:`bounds.fine_tuned_policy`).
"""

from __future__ import annotations

import numpy as np

from bounds import TabularProblem, fine_tuned_policy, fine_tuning_objective
from simulators.learners._reinforce import ReinforceSettings, run_reinforce
from simulators.learners.policy_gradient_prompter import PolicyGradientResult


def train_fine_tuning_policy_gradient(
    problem: TabularProblem,
    beta: float,
    rng: np.random.Generator,
    settings: ReinforceSettings | None = None,
    *,
    reward_noise: float = 0.0,
    progress: bool = False,
) -> PolicyGradientResult:
    """Train a softmax policy by KL-regularized REINFORCE toward π*_β."""
    settings = settings or ReinforceSettings()
    optimum = fine_tuned_policy(problem, beta)

    def sample_rewards(contexts: np.ndarray, responses: np.ndarray, generator: np.random.Generator) -> np.ndarray:
        rewards = problem.reward[contexts, responses]
        if reward_noise > 0:
            rewards = rewards + reward_noise * generator.standard_normal(rewards.shape)
        return rewards

    policy, history, diagnostics = run_reinforce(
        problem.reference_policy, problem.context_probs, sample_rewards, beta, optimum, rng, settings,
        progress=progress, description="fine-tuning policy gradient",
    )
    diagnostics["objective_gap"] = float(fine_tuning_objective(problem, optimum, beta) - fine_tuning_objective(problem, policy, beta))
    return PolicyGradientResult(policy, optimum, history, diagnostics)
