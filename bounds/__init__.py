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
from bounds.best_of_n import BestOfNDistribution, BestOfNResult, best_of_n_distribution, best_of_n_prompts, best_of_n_responses
from bounds.data_processing import DataProcessingPair, data_processing_pair
from bounds.decomposition import BestPrompt, DecompositionBound, best_prompt, decomposition_bound, lp_coverage_bound, single_prompt_coverage_tv
from bounds.finite_sample import PlugInResult, estimate_prompt_values, hoeffding_radius, plug_in_guarantee, plug_in_prompter
from bounds.holder import HolderBound, holder_bound, holder_gap_bound, tight_holder_problem, tight_holder_reward
from bounds.jeffreys import JeffreysGap, jeffreys_gap, tilt_jeffreys, tilt_reward_gain
from bounds.paper import PaperBound, paper_gap_bound
from bounds.pinsker import KLGapBound, bretagnolle_huber_gap_bound, bretagnolle_huber_tv_bound, pinsker_gap_bound, pinsker_tv_bound
from bounds.report import BOUND_NAMES, BoundReport, compute_bounds
from bounds.sensitivity import GapDerivatives, TemperatureExpansion, VarianceSplit, gap_derivatives, temperature_expansion, variance_split, weighted_variance
from bounds.solution import GapSolution, reward_span, solve_gap
from bounds.constrained import KLBudgetSolution, fine_tuning_under_budget, max_reward_under_kl, prompt_optimization_under_budget
from bounds.convex import (
    coverage_distance_lp,
    solve_fine_tuning,
    solve_fine_tuning_under_budget,
    solve_prompt_optimization,
    solve_prompt_optimization_under_budget,
)
from bounds.frontier import (
    Frontier,
    FrontierAtBudget,
    default_temperatures,
    fine_tuning_frontier,
    frontier_at_budget,
    prompt_frontier,
    prompt_frontier_output_kl,
)
from bounds.symbolic import (
    IdentityCheck,
    SymbolicForm,
    TwoResponseForms,
    first_order_gap_ratio,
    gap_vanishing_ratio,
    gibbs_mean,
    gibbs_mean_derivative,
    large_temperature_expansion,
    two_response_optimum,
)

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
    "GapSolution", "solve_gap", "reward_span",
    "HolderBound", "holder_bound", "holder_gap_bound", "tight_holder_reward", "tight_holder_problem",
    "KLGapBound", "pinsker_tv_bound", "bretagnolle_huber_tv_bound", "pinsker_gap_bound", "bretagnolle_huber_gap_bound",
    "PaperBound", "paper_gap_bound",
    "BestPrompt", "DecompositionBound", "best_prompt", "decomposition_bound", "single_prompt_coverage_tv", "lp_coverage_bound",
    "DataProcessingPair", "data_processing_pair",
    "GapDerivatives", "TemperatureExpansion", "VarianceSplit", "gap_derivatives", "temperature_expansion", "variance_split", "weighted_variance",
    "PlugInResult", "hoeffding_radius", "estimate_prompt_values", "plug_in_prompter", "plug_in_guarantee",
    "JeffreysGap", "jeffreys_gap", "tilt_jeffreys", "tilt_reward_gain",
    "BestOfNDistribution", "BestOfNResult", "best_of_n_distribution", "best_of_n_responses", "best_of_n_prompts",
    "BOUND_NAMES", "BoundReport", "compute_bounds",
    "solve_fine_tuning", "solve_prompt_optimization", "coverage_distance_lp",
    "solve_fine_tuning_under_budget", "solve_prompt_optimization_under_budget",
    "KLBudgetSolution", "max_reward_under_kl", "fine_tuning_under_budget", "prompt_optimization_under_budget",
    "Frontier", "FrontierAtBudget", "default_temperatures", "fine_tuning_frontier", "prompt_frontier",
    "prompt_frontier_output_kl", "frontier_at_budget",
    "SymbolicForm", "TwoResponseForms", "IdentityCheck", "two_response_optimum", "gibbs_mean", "gibbs_mean_derivative",
    "large_temperature_expansion", "gap_vanishing_ratio", "first_order_gap_ratio",
]
