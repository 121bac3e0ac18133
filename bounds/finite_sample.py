r"""T7: prompt optimization from estimated prompt values (finite samples, plug-in prompter).

Suppose each r̄(x, x') is estimated by the mean reward of N responses y ~ π_F(·|x'), with rewards in
[a, b]. Hoeffding's inequality bounds one estimate's error by ε with probability ≥ 1 − 2e^{−2Nε²/(b−a)²};
a union bound over the n·m pairs gives, with probability ≥ 1 − δ, every error within

.. math::

    \varepsilon_N = (b - a) \sqrt{\frac{\log(2nm/\delta)}{2N}}.

The plug-in prompter ρ̂ ∝ ρ₀ e^{r̂/λ} maximizes the estimated objective Ĵ_λ. If |r̂ − r̄| ≤ ε on the
support of ρ₀, then |J_λ(ρ) − Ĵ_λ(ρ)| ≤ ε for every prompter ρ on that support, and

J_λ(ρ*) − J_λ(ρ̂) = [J_λ(ρ*) − Ĵ_λ(ρ*)] + [Ĵ_λ(ρ*) − Ĵ_λ(ρ̂)] + [Ĵ_λ(ρ̂) − J_λ(ρ̂)] ≤ ε + 0 + ε = 2ε.

This controls the regularized objective only. The prompter itself can move a lot when λ is small:
ρ̂(x')/ρ*(x') = e^{(r̂ − r̄)(x,x')/λ} · Z/Ẑ ≤ e^{2ε/λ}, where Z and Ẑ are the two normalizers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from bounds._validation import check_temperature
from bounds.gibbs import gibbs_tilt, log_gibbs_tilt
from bounds.objectives import prompt_objective
from bounds.optima import prompt_optimized_value
from bounds.problem import TabularProblem


def hoeffding_radius(n_samples: ArrayLike, n_contexts: int, n_prompts: int, delta: float, reward_range: float) -> np.ndarray:
    """Return ε_N = (b − a) √(log(2nm/δ)/(2N)), the uniform error radius of n·m Hoeffding estimates.

    Args:
        n_samples: N ≥ 1 responses per (x, x') pair, scalar or array.
        n_contexts, n_prompts: n and m, the number of estimated pairs is n·m.
        delta: failure probability in (0, 1).
        reward_range: b − a > 0, the width of the reward interval.
    """
    n_samples = np.asarray(n_samples, dtype=np.float64)
    if not np.all(n_samples >= 1):
        raise ValueError(f"n_samples: got {n_samples!r}; at least 1 response per pair is needed")
    if not 0.0 < delta < 1.0:
        raise ValueError(f"delta: got {delta!r}; the failure probability must lie in (0, 1)")
    if n_contexts < 1 or n_prompts < 1:
        raise ValueError(f"n_contexts, n_prompts: got {n_contexts!r}, {n_prompts!r}; both must be ≥ 1")
    if not (np.isfinite(reward_range) and reward_range > 0):
        raise ValueError(f"reward_range: got {reward_range!r}; pass b − a > 0 for rewards in [a, b]")

    return reward_range * np.sqrt(np.log(2.0 * n_contexts * n_prompts / delta) / (2.0 * n_samples))


def estimate_prompt_values(problem: TabularProblem, n_samples: int, rng: np.random.Generator) -> np.ndarray:
    """Estimate r̄(x, x') by the mean reward of ``n_samples`` responses y ~ π_F(·|x') per pair.

    Each (x, x') pair gets its own independent sample, as the union bound of ε_N assumes.

    Returns:
        r̂ of shape ``(*batch, n, m)``.
    """
    if int(n_samples) != n_samples or n_samples < 1:
        raise ValueError(f"n_samples: got {n_samples!r}; pass a positive integer")

    # Renormalize so that rows accepted within the simplex tolerance pass numpy's stricter check.
    target = problem.target_policy / problem.target_policy.sum(axis=-1, keepdims=True)
    pvals = np.broadcast_to(target[..., None, :, :], (*problem.batch_shape, problem.n_contexts, *target.shape[-2:]))
    counts = rng.multinomial(int(n_samples), pvals)

    return (counts * problem.reward[..., :, None, :]).sum(axis=-1) / n_samples


@dataclass(frozen=True)
class PlugInResult:
    """The plug-in prompter and the T7 guarantee, evaluated at the true r̄.

    Attributes:
        prompter: ρ̂_λ ∝ ρ₀ e^{r̂/λ}, shape ``(*batch, n, m)``.
        objective_gap: J_λ(ρ*_λ) − J_λ(ρ̂_λ) ≥ 0 at the true r̄, shape ``(*batch)``.
        max_error: max over supported (x, x') with P(x) > 0 of |r̂ − r̄|, shape ``(*batch)``.
        guarantee: 2 · max_error ≥ objective_gap, shape ``(*batch)``.
        max_ratio: max over the same pairs of ρ̂/ρ*, shape ``(*batch)`` (computed from log-probabilities).
        ratio_bound: e^{2 max_error/λ} ≥ max_ratio, shape ``(*batch)`` (may be inf).
    """

    prompter: np.ndarray
    objective_gap: np.ndarray
    max_error: np.ndarray
    guarantee: np.ndarray
    max_ratio: np.ndarray
    ratio_bound: np.ndarray


def plug_in_prompter(problem: TabularProblem, estimated_values: ArrayLike, lam: ArrayLike) -> np.ndarray:
    """Return ρ̂_λ ∝ ρ₀ exp(r̂/λ) for estimated prompt values r̂ of shape ``(*batch, n, m)``."""
    lam = check_temperature("lam", lam)
    return gibbs_tilt(problem.reference_prompter, estimated_values, lam[..., None], name="lam")


def plug_in_guarantee(problem: TabularProblem, estimated_values: ArrayLike, lam: ArrayLike) -> PlugInResult:
    """Evaluate the plug-in prompter at the true r̄ and the 2ε and e^{2ε/λ} guarantees (T7).

    ε is the realized error max |r̂ − r̄| over the pairs that matter (ρ₀(x'|x) > 0 and P(x) > 0);
    on the event of probability ≥ 1 − δ it is at most :func:`hoeffding_radius`.
    """
    lam = check_temperature("lam", lam)
    estimated_values = np.asarray(estimated_values, dtype=np.float64)
    if estimated_values.shape != problem.prompt_values.shape:
        raise ValueError(
            f"estimated_values: expected shape (*batch, n, m) = {problem.prompt_values.shape}, got {estimated_values.shape}"
        )

    prompter = plug_in_prompter(problem, estimated_values, lam)
    objective_gap = prompt_optimized_value(problem, lam) - prompt_objective(problem, prompter, lam)

    relevant = (problem.reference_prompter > 0) & (problem.context_probs[..., None] > 0)
    batch_axes = (-2, -1)
    max_error = np.where(relevant, np.abs(estimated_values - problem.prompt_values), 0.0).max(axis=batch_axes)

    # The ratio is taken in log space: at small λ both prompters underflow to 0 off the arg max.
    with np.errstate(divide="ignore"):
        log_reference = np.log(problem.reference_prompter)
    log_ratio = log_gibbs_tilt(log_reference, estimated_values, lam[..., None], name="lam") - log_gibbs_tilt(
        log_reference, problem.prompt_values, lam[..., None], name="lam"
    )
    max_log_ratio = np.where(relevant, log_ratio, -np.inf).max(axis=batch_axes)

    with np.errstate(over="ignore"):
        max_ratio = np.exp(max_log_ratio)
        ratio_bound = np.exp(2.0 * max_error / lam)

    return PlugInResult(
        prompter=prompter,
        objective_gap=objective_gap,
        max_error=max_error,
        guarantee=2.0 * max_error,
        max_ratio=max_ratio,
        ratio_bound=ratio_bound,
    )
