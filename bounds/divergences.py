r"""Divergences between discrete distributions, batched over leading axes.

All functions reduce the last axis and return an array of shape ``(...)`` in nats.

.. math::

    \mathrm{KL}(p \| q) = \sum_i p_i \log \frac{p_i}{q_i}, \qquad
    \mathrm{TV}(p, q) = \tfrac12 \sum_i |p_i - q_i|, \qquad
    D_J(p, q) = \mathrm{KL}(p \| q) + \mathrm{KL}(q \| p).

Support conventions: :math:`0 \log 0 = 0` and :math:`0 \log (0/q) = 0`, while an atom with
:math:`p_i > 0 = q_i` makes :math:`\mathrm{KL}(p\|q) = +\infty` (``scipy.special.rel_entr``
implements both rules).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import rel_entr


def kl_divergence(p: ArrayLike, q: ArrayLike, axis: int = -1) -> np.ndarray:
    """Return KL(p ‖ q) along ``axis``, +inf where p puts mass outside the support of q.

    Args:
        p, q: probabilities of shape ``(..., k)``, broadcastable against each other.
        axis: the axis holding the outcomes.

    Returns:
        Array of shape ``(...)`` in nats, ≥ 0.
    """
    p = np.asarray(p, dtype=np.float64)
    q = np.asarray(q, dtype=np.float64)

    # Rounding can leave a true zero divergence at -1e-17; KL is non-negative by Gibbs' inequality.
    return np.maximum(rel_entr(p, q).sum(axis=axis), 0.0)


def total_variation(p: ArrayLike, q: ArrayLike, axis: int = -1) -> np.ndarray:
    """Return the total variation distance ½‖p − q‖₁ along ``axis``, in [0, 1]."""
    p = np.asarray(p, dtype=np.float64)
    q = np.asarray(q, dtype=np.float64)

    return 0.5 * np.abs(p - q).sum(axis=axis)


def jeffreys_divergence(p: ArrayLike, q: ArrayLike, axis: int = -1) -> np.ndarray:
    """Return the Jeffreys divergence KL(p ‖ q) + KL(q ‖ p) along ``axis`` (symmetric, ≥ 0)."""
    return kl_divergence(p, q, axis=axis) + kl_divergence(q, p, axis=axis)


def expectation_over_contexts(context_probs: ArrayLike, per_context: ArrayLike) -> np.ndarray:
    """Return Σ_x P(x) f(x) with contexts of zero weight dropped, even where f(x) is infinite.

    Args:
        context_probs: P of shape ``(..., n)``.
        per_context: f of shape ``(..., n)``.

    Returns:
        Array of shape ``(...)``. Without the masking, 0 · inf would give NaN.
    """
    context_probs = np.asarray(context_probs, dtype=np.float64)
    per_context = np.asarray(per_context, dtype=np.float64)

    context_probs, per_context = np.broadcast_arrays(context_probs, per_context)
    weighted = np.multiply(context_probs, per_context, out=np.zeros(context_probs.shape), where=context_probs > 0)
    return weighted.sum(axis=-1)
