r"""T8: the exact gap as a sum of temperature-weighted Jeffreys divergences.

For a Gibbs tilt p ∝ q e^{v/τ} with normalizer Z, log(p/q) = v/τ − log Z on the support of q, so

.. math::

    \mathrm{KL}(p\|q) = \frac{\mathbb{E}_p[v]}{\tau} - \log Z, \qquad
    \mathrm{KL}(q\|p) = \log Z - \frac{\mathbb{E}_q[v]}{\tau}, \qquad
    \mathbb{E}_p[v] - \mathbb{E}_q[v] = \tau\, D_J(p, q),

with D_J(p, q) = KL(p‖q) + KL(q‖p): the reward a tilt gains is its temperature times the Jeffreys
divergence it travels. Applied to π*_β against π_ref and to ρ*_λ against ρ₀ (on r̄):

.. math::

    \Delta = [J(\pi_{ref}) - J(\rho_0\pi_F)] + \beta\, \mathbb{E}_x D_J(\pi^*_\beta, \pi_{ref})
           - \lambda\, \mathbb{E}_x D_J(\rho^*_\lambda, \rho_0),

exactly; the bracket is 0 when π_ref = ρ₀π_F. The divergences are computed from log-probabilities
(:func:`bounds.gibbs.log_gibbs_tilt`), because a tilt at a tiny temperature underflows to exact
zeros on its support and KL(q‖p) computed from probabilities would then be inf.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from bounds._validation import check_temperature
from bounds.divergences import expectation_over_contexts
from bounds.gibbs import log_gibbs_tilt
from bounds.problem import TabularProblem


def _kl_from_logs(log_p: np.ndarray, log_q: np.ndarray) -> np.ndarray:
    """Return Σ p (log p − log q) over the last axis, terms with p = 0 dropped (supports are equal here)."""
    on_support = np.isfinite(log_p)
    terms = np.where(on_support, np.exp(log_p) * (np.where(on_support, log_p, 0.0) - np.where(on_support, log_q, 0.0)), 0.0)
    return np.maximum(terms.sum(axis=-1), 0.0)


def tilt_jeffreys(reference: ArrayLike, values: ArrayLike, temperature: ArrayLike, *, name: str = "temperature") -> np.ndarray:
    """Return D_J(p, q) for the Gibbs tilt p ∝ q e^{v/τ}, computed in log space (shape ``(...)``).

    Args:
        reference: q of shape ``(..., k)``.
        values: v of shape ``(..., k)``.
        temperature: τ > 0 of shape ``(...)``; at τ = inf the result is 0.
    """
    with np.errstate(divide="ignore"):
        log_q = np.log(np.asarray(reference, dtype=np.float64))
    tau = check_temperature(name, temperature)

    log_p = log_gibbs_tilt(log_q, values, tau, name=name)
    jeffreys = _kl_from_logs(log_p, log_q) + _kl_from_logs(log_q, log_p)
    return np.where(np.isinf(tau), 0.0, jeffreys)


def tilt_reward_gain(reference: ArrayLike, values: ArrayLike, temperature: ArrayLike, *, name: str = "temperature") -> np.ndarray:
    """Return E_p[v] − E_q[v] = τ D_J(p, q) for the Gibbs tilt p ∝ q e^{v/τ} (0 at τ = inf)."""
    tau = check_temperature(name, temperature)
    jeffreys = tilt_jeffreys(reference, values, tau, name=name)
    return np.where(jeffreys > 0, np.where(np.isinf(tau), 0.0, tau) * jeffreys, 0.0)


@dataclass(frozen=True)
class JeffreysGap:
    """The T8 decomposition of Δ, shape ``(*batch)`` unless noted.

    Attributes:
        gap: reference_mismatch + fine_tuning_gain − prompt_gain, equal to Δ(β, λ).
        reference_mismatch: J(π_ref) − J(ρ₀π_F), 0 when π_ref = ρ₀π_F.
        fine_tuning_gain: β E_x D_J(π*_β, π_ref) = J(π*_β) − J(π_ref).
        prompt_gain: λ E_x D_J(ρ*_λ, ρ₀) = J(ρ*_λ π_F) − J(ρ₀π_F).
        fine_tuned_jeffreys: D_J(π*_β(·|x), π_ref(·|x)), shape ``(*batch, n)``.
        prompter_jeffreys: D_J(ρ*_λ(·|x), ρ₀(·|x)), shape ``(*batch, n)``.
    """

    gap: np.ndarray
    reference_mismatch: np.ndarray
    fine_tuning_gain: np.ndarray
    prompt_gain: np.ndarray
    fine_tuned_jeffreys: np.ndarray
    prompter_jeffreys: np.ndarray


def jeffreys_gap(problem: TabularProblem, beta: ArrayLike, lam: ArrayLike) -> JeffreysGap:
    """Compute Δ(β, λ) through the Jeffreys identity (T8), an independent closed form of the gap."""
    beta = check_temperature("beta", beta)
    lam = check_temperature("lam", lam)
    context_probs = problem.context_probs

    fine_tuned_jeffreys = tilt_jeffreys(problem.reference_policy, problem.reward, beta[..., None], name="beta")
    prompter_jeffreys = tilt_jeffreys(problem.reference_prompter, problem.prompt_values, lam[..., None], name="lam")
    fine_tuning_gain = expectation_over_contexts(
        context_probs, tilt_reward_gain(problem.reference_policy, problem.reward, beta[..., None], name="beta")
    )
    prompt_gain = expectation_over_contexts(
        context_probs, tilt_reward_gain(problem.reference_prompter, problem.prompt_values, lam[..., None], name="lam")
    )

    reference_reward = expectation_over_contexts(context_probs, (problem.reference_policy * problem.reward).sum(axis=-1))
    induced_reward = expectation_over_contexts(context_probs, (problem.reference_prompter * problem.prompt_values).sum(axis=-1))
    reference_mismatch = reference_reward - induced_reward

    return JeffreysGap(
        gap=reference_mismatch + fine_tuning_gain - prompt_gain,
        reference_mismatch=reference_mismatch,
        fine_tuning_gain=fine_tuning_gain,
        prompt_gain=prompt_gain,
        fine_tuned_jeffreys=fine_tuned_jeffreys,
        prompter_jeffreys=prompter_jeffreys,
    )
