r"""Gibbs tilts: the closed-form solution of KL-regularized maximization on a finite set.

For one context, with reference distribution :math:`q` and values :math:`v` on a finite set,

.. math::

    \max_{p \in \Delta} \; \langle p, v \rangle - \tau\, \mathrm{KL}(p \| q)
    \quad\text{is solved by}\quad
    p^*_i = \frac{q_i\, e^{v_i/\tau}}{\sum_j q_j\, e^{v_j/\tau}},
    \qquad \text{value } \tau \log \sum_j q_j e^{v_j/\tau},

where :math:`\tau > 0` is the temperature (the KL coefficient β of fine-tuning or λ of prompt
optimization). Proof: for any :math:`p`, the objective equals the value minus
:math:`\tau\,\mathrm{KL}(p\|p^*)` (Donsker–Varadhan), which is maximal at :math:`p = p^*`.

Numerics: everything is computed in log space after subtracting :math:`\max_{i: q_i>0} v_i`, so
the exponent is ≤ 0 and ``exp(v/τ)`` never overflows (it would at v/τ ≈ 710 in float64). Zero
reference mass stays zero. As τ → 0 the tilt concentrates on the arg max of ``v`` over the support
of ``q``, with ties split in proportion to ``q`` (:func:`gibbs_limit`); as τ → ∞ it returns ``q``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import logsumexp

from bounds._validation import check_temperature


def _support_max(log_reference: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Return max_i v_i over the support {q_i > 0}, keeping the last axis (shape ``(..., 1)``)."""
    on_support = np.where(np.isneginf(log_reference), -np.inf, values)
    return on_support.max(axis=-1, keepdims=True)


def _shifted_exponent(log_reference: np.ndarray, values: np.ndarray, temperature: np.ndarray) -> np.ndarray:
    """Return log q + (v − v_max)/τ, equal to −inf off the support, ≤ log q on it."""
    shift = (values - _support_max(log_reference, values)) / temperature
    return np.where(np.isneginf(log_reference), -np.inf, log_reference + shift)


def _expand_temperature(temperature: ArrayLike, name: str) -> np.ndarray:
    """Validate τ of shape ``(...)`` and add one trailing axis so it broadcasts over the outcomes."""
    return check_temperature(name, temperature)[..., None]


def log_gibbs_tilt(log_reference: ArrayLike, values: ArrayLike, temperature: ArrayLike, *, name: str = "temperature") -> np.ndarray:
    """Return log p* of the Gibbs tilt of q by v at temperature τ.

    Args:
        log_reference: log q of shape ``(..., k)``; ``-inf`` marks outcomes outside the support.
        values: v of shape ``(..., k)`` (finite).
        temperature: τ > 0 of shape ``(...)`` broadcastable to the leading axes; ``inf`` gives q.
        name: the name used in the error message for an invalid τ (``beta``, ``lam``).

    Returns:
        Array of shape ``(..., k)`` with log p*, ``-inf`` outside the support of q.
    """
    log_reference = np.asarray(log_reference, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    tau = _expand_temperature(temperature, name)

    exponent = _shifted_exponent(log_reference, values, tau)
    return exponent - logsumexp(exponent, axis=-1, keepdims=True)


def gibbs_tilt(reference: ArrayLike, values: ArrayLike, temperature: ArrayLike, *, name: str = "temperature") -> np.ndarray:
    """Return p* ∝ q exp(v/τ) along the last axis (shape ``(..., k)``); see :func:`log_gibbs_tilt`."""
    with np.errstate(divide="ignore"):
        log_reference = np.log(np.asarray(reference, dtype=np.float64))

    return np.exp(log_gibbs_tilt(log_reference, values, temperature, name=name))


def gibbs_value(reference: ArrayLike, values: ArrayLike, temperature: ArrayLike, *, name: str = "temperature") -> np.ndarray:
    """Return the optimal regularized value τ log Σ_i q_i exp(v_i/τ) (shape ``(...)``).

    Written as v_max + τ log Σ_i q_i exp((v_i − v_max)/τ) so that it stays finite for any τ > 0.
    At τ = inf it returns E_q[v], the limit of the expression.
    """
    with np.errstate(divide="ignore"):
        log_reference = np.log(np.asarray(reference, dtype=np.float64))
    values = np.asarray(values, dtype=np.float64)
    tau = _expand_temperature(temperature, name)

    v_max = _support_max(log_reference, values)
    exponent = _shifted_exponent(log_reference, values, tau)
    correction = logsumexp(exponent, axis=-1, keepdims=True)

    # τ · log Σ q e^{(v - v_max)/τ} → E_q[v] - v_max as τ → inf; inf · 0 would give NaN.
    mean_shift = (np.exp(log_reference) * np.where(np.isneginf(log_reference), 0.0, values - v_max)).sum(axis=-1, keepdims=True)
    finite_tau = np.isfinite(tau)
    scaled = np.where(finite_tau, np.where(finite_tau, tau, 1.0) * correction, mean_shift)
    return (v_max + scaled)[..., 0]


def gibbs_limit(reference: ArrayLike, values: ArrayLike) -> np.ndarray:
    """Return the τ → 0 limit of the Gibbs tilt: q restricted to the arg max of v on its support.

    Ties are split in proportion to q. Exact equality of values defines a tie, so values that
    differ only by rounding are not merged.

    Args:
        reference: q of shape ``(..., k)``.
        values: v of shape ``(..., k)``.

    Returns:
        Array of shape ``(..., k)`` on the simplex.
    """
    reference = np.asarray(reference, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)

    on_support = np.where(reference > 0, values, -np.inf)
    is_best = (on_support == on_support.max(axis=-1, keepdims=True)) & (reference > 0)
    mass = np.where(is_best, reference, 0.0)
    return mass / mass.sum(axis=-1, keepdims=True)
