r"""Closed-form optima of fine-tuning (RLHF) and of prompt optimization (Align-Pro).

Fine-tuning maximizes :math:`J(\pi) - \beta\, \mathbb{E}_x \mathrm{KL}(\pi(\cdot|x) \| \pi_{ref}(\cdot|x))`:

.. math::

    \pi^*_\beta(y|x) \propto \pi_{ref}(y|x)\, e^{r(x,y)/\beta}, \qquad
    V_{FT}(\beta) = \beta\, \mathbb{E}_x \log \sum_y \pi_{ref}(y|x) e^{r(x,y)/\beta}.

Prompt optimization maximizes :math:`\mathbb{E}_x \sum_{x'} \rho(x'|x) \bar r(x,x') - \lambda\,
\mathbb{E}_x \mathrm{KL}(\rho(\cdot|x) \| \rho_0(\cdot|x))`:

.. math::

    \rho^*_\lambda(x'|x) \propto \rho_0(x'|x)\, e^{\bar r(x,x')/\lambda}, \qquad
    V_{PO}(\lambda) = \lambda\, \mathbb{E}_x \log \sum_{x'} \rho_0(x'|x) e^{\bar r(x,x')/\lambda},

where P is the context distribution, r the reward, π_F the frozen target, ρ₀ the reference
prompter and :math:`\bar r = r\,\pi_F^\top` the prompt values. Both are Gibbs tilts
(:mod:`bounds.gibbs`), computed in log space. Temperatures have shape ``()`` or the problem's
batch shape. The ``*_limit`` functions give the exact τ → 0 limits: the arg max on the support of
the reference, ties split by the reference weights.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from bounds.divergences import expectation_over_contexts
from bounds.gibbs import gibbs_limit, gibbs_tilt, gibbs_value
from bounds.problem import TabularProblem


def _per_context(temperature: ArrayLike) -> np.ndarray:
    """Add the context axis to a temperature of shape ``(*batch)``."""
    return np.asarray(temperature, dtype=np.float64)[..., None]


def fine_tuned_policy(problem: TabularProblem, beta: ArrayLike) -> np.ndarray:
    """Return π*_β(y|x) ∝ π_ref(y|x) exp(r(x,y)/β), shape ``(*batch, n, k)``."""
    return gibbs_tilt(problem.reference_policy, problem.reward, _per_context(beta), name="beta")


def optimal_prompter(problem: TabularProblem, lam: ArrayLike) -> np.ndarray:
    """Return ρ*_λ(x'|x) ∝ ρ₀(x'|x) exp(r̄(x,x')/λ), shape ``(*batch, n, m)``."""
    return gibbs_tilt(problem.reference_prompter, problem.prompt_values, _per_context(lam), name="lam")


def fine_tuned_policy_limit(problem: TabularProblem) -> np.ndarray:
    """Return lim_{β→0} π*_β: π_ref restricted to arg max_y r(x, y) on its support (``(*batch, n, k)``)."""
    return gibbs_limit(problem.reference_policy, problem.reward)


def optimal_prompter_limit(problem: TabularProblem) -> np.ndarray:
    """Return lim_{λ→0} ρ*_λ: ρ₀ restricted to arg max_x' r̄(x, x') on its support (``(*batch, n, m)``)."""
    return gibbs_limit(problem.reference_prompter, problem.prompt_values)


def fine_tuned_value(problem: TabularProblem, beta: ArrayLike) -> np.ndarray:
    """Return V_FT(β) = β E_x log Σ_y π_ref exp(r/β), the optimal regularized objective (``(*batch)``)."""
    per_context = gibbs_value(problem.reference_policy, problem.reward, _per_context(beta), name="beta")
    return expectation_over_contexts(problem.context_probs, per_context)


def prompt_optimized_value(problem: TabularProblem, lam: ArrayLike) -> np.ndarray:
    """Return V_PO(λ) = λ E_x log Σ_x' ρ₀ exp(r̄/λ), the optimal regularized objective (``(*batch)``)."""
    per_context = gibbs_value(problem.reference_prompter, problem.prompt_values, _per_context(lam), name="lam")
    return expectation_over_contexts(problem.context_probs, per_context)
