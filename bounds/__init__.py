"""Exact tabular theory of prompt optimization as KL-regularized alignment.

Closed-form optima (:mod:`bounds.optima`), the suboptimality gap (:mod:`bounds.objectives`),
divergences (:mod:`bounds.divergences`), and every bound of docs/theory.md. All arrays are float64
and may carry leading batch axes.
"""

from bounds.divergences import expectation_over_contexts, jeffreys_divergence, kl_divergence, total_variation
from bounds.gibbs import gibbs_limit, gibbs_tilt, gibbs_value, log_gibbs_tilt
from bounds.objectives import (
    expected_kl,
    expected_reward,
    fine_tuning_objective,
    prompt_objective,
    prompter_reward,
    suboptimality_gap,
)
from bounds.optima import (
    fine_tuned_policy,
    fine_tuned_policy_limit,
    fine_tuned_value,
    optimal_prompter,
    optimal_prompter_limit,
    prompt_optimized_value,
)
from bounds.problem import TabularProblem, load_instance

__all__ = [
    "TabularProblem",
    "load_instance",
    "kl_divergence",
    "total_variation",
    "jeffreys_divergence",
    "expectation_over_contexts",
    "gibbs_tilt",
    "log_gibbs_tilt",
    "gibbs_value",
    "gibbs_limit",
    "fine_tuned_policy",
    "optimal_prompter",
    "fine_tuned_policy_limit",
    "optimal_prompter_limit",
    "fine_tuned_value",
    "prompt_optimized_value",
    "expected_reward",
    "prompter_reward",
    "expected_kl",
    "fine_tuning_objective",
    "prompt_objective",
    "suboptimality_gap",
]
