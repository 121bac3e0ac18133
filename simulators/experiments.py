r"""Monte Carlo experiments that compare sampled estimates and learned tables with the closed forms.

- :func:`rollout_estimates`: J(π*_β), J(ρ*_λπ_F) and Δ estimated from sampled rewards, with
  Student-t intervals for each mean and a normal (Welch) interval for the difference.
- :func:`family_estimates`: the mean of Δ and of every bound over random instances of a family,
  with Student-t intervals across instances, and the count of bound violations.
- :func:`learned_gap_check`: the gap of a learned prompter ρ̂ against π*_β and three bounds on it.
- :func:`finite_sample_coverage`: the Hoeffding radius ε_N of the plug-in prompter, checked
  against repeated draws.

Inequality checked by :func:`learned_gap_check`. For any prompter ρ̂ the Hölder bound applies with
p = π*_β and q = ρ̂π_F:

.. math::

    \hat\Delta = J(\pi^*_\beta) - J(\hat\rho\pi_F)
        \le \mathbb{E}_x \mathrm{span}(x)\, \mathrm{TV}(\pi^*_\beta, \hat\rho\pi_F)
        \le \mathbb{E}_x \mathrm{span}(x) \min\big(\sqrt{\mathrm{KL}/2}, \sqrt{1 - e^{-\mathrm{KL}}}\big),

with KL the smaller of the two directions between π*_β(·|x) and ρ̂π_F(·|x). Those are the T1/T2
bounds evaluated at the learned quantities. The coverage/prior and paper bounds are statements
about ρ*_λ itself and are not evaluated at ρ̂.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from bounds import (
    TabularProblem,
    bretagnolle_huber_tv_bound,
    compute_bounds,
    expectation_over_contexts,
    fine_tuned_policy,
    hoeffding_radius,
    holder_bound,
    kl_divergence,
    optimal_prompter,
    pinsker_tv_bound,
    plug_in_guarantee,
    prompter_reward,
    expected_reward,
    reward_span,
)
from simulators.families import build_instance
from simulators.sampling import sample_interactions, sample_policy_interactions, sample_prompt_values


def bound_tolerance(gap: np.ndarray) -> np.ndarray:
    """Return the slack allowed before a bound counts as violated: 1e-9 · (1 + |Δ|).

    The bounds and Δ are sums of O(nk) float64 terms of size O(span); 1e-9 is far above their
    rounding error (about 1e-15 per term) and far below any real violation.
    """
    return 1e-9 * (1.0 + np.abs(gap))


def t_interval(samples: np.ndarray, confidence: float = 0.95) -> tuple[float, float, float]:
    """Return (mean, low, high) of the Student-t interval for the mean of ``samples`` (1-D)."""
    samples = np.asarray(samples, dtype=np.float64)
    mean = float(samples.mean())
    if samples.size < 2:
        return mean, -np.inf, np.inf
    half = float(stats.t.ppf(0.5 + confidence / 2.0, samples.size - 1) * stats.sem(samples))
    return mean, mean - half, mean + half


@dataclass(frozen=True)
class RolloutEstimates:
    """Sampled estimates with intervals next to the exact values (one row per quantity)."""

    table: pd.DataFrame
    n_samples: int
    confidence: float


def rollout_estimates(
    problem: TabularProblem, beta: float, lam: float, n_samples: int, rng: np.random.Generator, *, confidence: float = 0.95
) -> RolloutEstimates:
    """Estimate J(π*_β), J(ρ*_λπ_F) and Δ from ``n_samples`` sampled rewards of each policy."""
    fine_tuned = fine_tuned_policy(problem, beta)
    prompter = optimal_prompter(problem, lam)
    fine_tuned_rewards = sample_policy_interactions(problem, fine_tuned, n_samples, rng).rewards
    prompted_rewards = sample_interactions(problem, prompter, n_samples, rng).rewards

    rows = []
    for name, rewards, exact in (
        ("fine_tuned_reward", fine_tuned_rewards, expected_reward(problem, fine_tuned)),
        ("prompt_optimized_reward", prompted_rewards, prompter_reward(problem, prompter)),
    ):
        mean, low, high = t_interval(rewards, confidence)
        rows.append({"quantity": name, "estimate": mean, "low": low, "high": high, "exact": float(exact)})

    difference = rows[0]["estimate"] - rows[1]["estimate"]
    standard_error = np.sqrt(fine_tuned_rewards.var(ddof=1) / n_samples + prompted_rewards.var(ddof=1) / n_samples)
    half = float(stats.norm.ppf(0.5 + confidence / 2.0) * standard_error)
    rows.append(
        {"quantity": "gap", "estimate": difference, "low": difference - half, "high": difference + half, "exact": rows[0]["exact"] - rows[1]["exact"]}
    )

    table = pd.DataFrame(rows)
    table["covered"] = (table["low"] <= table["exact"]) & (table["exact"] <= table["high"])
    return RolloutEstimates(table, int(n_samples), confidence)


def family_estimates(
    family: str, n: int, m: int, k: int, beta: float, lam: float, n_instances: int, seed: int, *, confidence: float = 0.95, **knobs
) -> pd.DataFrame:
    """Return the mean of Δ and of every bound over ``n_instances`` random instances, with t intervals.

    Columns: ``quantity``, ``mean``, ``low``, ``high``, ``violations`` (instances where the bound is
    below Δ by more than :func:`bound_tolerance`; 0 for Δ itself).
    """
    problem = build_instance(family, np.random.default_rng(seed), n, m, k, batch=(n_instances,), **knobs)
    report = compute_bounds(problem, beta, lam)

    rows = []
    for name, values in {"gap": report.gap, **report.bounds}.items():
        mean, low, high = t_interval(values, confidence)
        violations = 0 if name == "gap" else int((values < report.gap - bound_tolerance(report.gap)).sum())
        rows.append({"quantity": name, "mean": mean, "low": low, "high": high, "violations": violations})
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class LearnedGapCheck:
    """The gap of a learned prompter and the T1/T2 bounds at the learned induced policy (see module)."""

    learned_gap: float
    exact_gap: float
    holder: float
    pinsker: float
    bretagnolle_huber: float

    @property
    def holds(self) -> bool:
        """Whether every bound is ≥ the learned gap up to :func:`bound_tolerance`."""
        tolerance = float(bound_tolerance(np.asarray(self.learned_gap)))
        return all(bound >= self.learned_gap - tolerance for bound in (self.holder, self.pinsker, self.bretagnolle_huber))


def learned_gap_check(problem: TabularProblem, beta: float, lam: float, prompter: np.ndarray) -> LearnedGapCheck:
    """Compare Δ̂ = J(π*_β) − J(ρ̂π_F) with the Hölder, Pinsker and Bretagnolle–Huber bounds at q = ρ̂π_F."""
    fine_tuned = fine_tuned_policy(problem, beta)
    induced = problem.induced_policy(prompter)
    span = reward_span(problem.reward)
    kl = np.minimum(kl_divergence(fine_tuned, induced), kl_divergence(induced, fine_tuned))

    learned_gap = float(expected_reward(problem, fine_tuned) - prompter_reward(problem, prompter))
    exact_gap = float(expected_reward(problem, fine_tuned) - prompter_reward(problem, optimal_prompter(problem, lam)))
    return LearnedGapCheck(
        learned_gap=learned_gap,
        exact_gap=exact_gap,
        holder=float(holder_bound(problem, fine_tuned, induced).value),
        pinsker=float(expectation_over_contexts(problem.context_probs, span * pinsker_tv_bound(kl))),
        bretagnolle_huber=float(expectation_over_contexts(problem.context_probs, span * bretagnolle_huber_tv_bound(kl))),
    )


def finite_sample_coverage(
    problem: TabularProblem, lam: float, sample_sizes: list[int], delta: float, n_trials: int, rng: np.random.Generator
) -> pd.DataFrame:
    r"""Check the Hoeffding radius ε_N of the plug-in prompter over ``n_trials`` independent estimates per N.

    For each N the table holds ε_N (with [a, b] = [min r, max r] of the instance), ``coverage``: the
    fraction of trials with max |r̄̂ − r̄| ≤ ε_N, its Clopper–Pearson 95% interval
    (``coverage_low``, ``coverage_high``), ``within_two_epsilon``: the fraction of trials whose
    regularized objective gap is ≤ 2ε_N, and the mean objective gap. The guarantee is consistent
    with the draws when ``coverage_high ≥ 1 − δ``, i.e. the draws do not reject coverage ≥ 1 − δ
    at level 2.5%.
    """
    reward_range = float(problem.reward.max() - problem.reward.min())
    rows = []
    for n_samples in sample_sizes:
        epsilon = float(hoeffding_radius(n_samples, problem.n_contexts, problem.n_prompts, delta, reward_range))
        errors, objective_gaps = [], []
        for _ in range(n_trials):
            guarantee = plug_in_guarantee(problem, sample_prompt_values(problem, n_samples, rng), lam)
            errors.append(float(guarantee.max_error))
            objective_gaps.append(float(guarantee.objective_gap))

        covered = int((np.asarray(errors) <= epsilon).sum())
        interval = stats.binomtest(covered, n_trials).proportion_ci(confidence_level=0.95, method="exact")
        rows.append(
            {
                "n_samples": int(n_samples),
                "epsilon": epsilon,
                "coverage": covered / n_trials,
                "coverage_low": float(interval.low),
                "coverage_high": float(interval.high),
                "within_two_epsilon": float((np.asarray(objective_gaps) <= 2.0 * epsilon).mean()),
                "mean_objective_gap": float(np.mean(objective_gaps)),
                "mean_max_error": float(np.mean(errors)),
                "target_coverage": 1.0 - delta,
            }
        )
    return pd.DataFrame(rows)
