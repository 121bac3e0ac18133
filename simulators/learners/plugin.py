r"""Plug-in Gibbs prompter: estimate the prompt values from samples, then apply the closed form.

With N responses y ~ π_F(·|x') per pair (x, x'), the sample means r̄̂(x, x') replace r̄ in

.. math::

    \hat\rho(x'|x) \propto \rho_0(x'|x)\, e^{\hat{\bar r}(x,x')/\lambda},

computed by :func:`bounds.plug_in_prompter`. When rewards lie in [a, b], Hoeffding's inequality and a
union bound over the nm pairs give max |r̄̂ − r̄| ≤ ε_N = (b − a)√(log(2nm/δ)/(2N)) with
probability ≥ 1 − δ, and on that event the plug-in prompter is 2ε_N-optimal for the regularized
objective E_ρ[r̄] − λ KL(ρ‖ρ₀) evaluated at the true r̄.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from bounds import TabularProblem, optimal_prompter, plug_in_guarantee, total_variation
from simulators.sampling import sample_prompt_values


@dataclass(frozen=True)
class PluginPrompterResult:
    """The plug-in prompter and how far it is from ρ*_λ.

    Attributes:
        prompter: ρ̂ of shape ``(n, m)``.
        estimated_values: r̄̂ of shape ``(n, m)``, from ``n_responses`` draws per pair.
        n_responses: N, the number of responses drawn per pair (x, x').
        max_abs_error: max of |r̄̂ − r̄| over pairs with ρ₀(x'|x) > 0 and P(x) > 0.
        objective_gap: J_λ(ρ*_λ) − J_λ(ρ̂) at the true r̄ (≥ 0 up to rounding).
        history: one row per doubling of N (columns ``n_responses``, ``max_abs_error``,
            ``objective_gap``, ``max_tv_to_optimum``: max_x TV(ρ̂, ρ*_λ)), each computed from the
            first N draws of the same sample.
    """

    prompter: np.ndarray
    estimated_values: np.ndarray
    n_responses: int
    max_abs_error: float
    objective_gap: float
    history: pd.DataFrame


def _doubling_blocks(total: int) -> list[int]:
    """Split ``total`` into blocks 1, 1, 2, 4, … so that the running sums are powers of two, then the rest."""
    blocks, done = [], 0
    while done < total:
        block = min(max(done, 1), total - done)
        blocks.append(block)
        done += block
    return blocks


def fit_plugin_prompter(
    problem: TabularProblem, lam: float, n_responses: int, rng: np.random.Generator, *, reward_noise: float = 0.0
) -> PluginPrompterResult:
    """Estimate r̄ from ``n_responses`` samples per pair and return the plug-in Gibbs prompter.

    The learner observes only sampled rewards. The true r̄ is used only for the diagnostics.
    """
    optimum = optimal_prompter(problem, lam)
    running_sum = np.zeros((problem.n_contexts, problem.n_prompts))
    drawn = 0
    rows = []
    for block in _doubling_blocks(int(n_responses)):
        running_sum += block * sample_prompt_values(problem, block, rng, reward_noise=reward_noise)
        drawn += block
        estimate = running_sum / drawn
        guarantee = plug_in_guarantee(problem, estimate, lam)
        rows.append(
            {
                "n_responses": drawn,
                "max_abs_error": float(guarantee.max_error),
                "objective_gap": float(guarantee.objective_gap),
                "max_tv_to_optimum": float(total_variation(guarantee.prompter, optimum).max()),
            }
        )

    return PluginPrompterResult(
        prompter=guarantee.prompter,
        estimated_values=estimate,
        n_responses=drawn,
        max_abs_error=rows[-1]["max_abs_error"],
        objective_gap=rows[-1]["objective_gap"],
        history=pd.DataFrame(rows),
    )
