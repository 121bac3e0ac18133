r"""Penalized Bradley–Terry maximum likelihood on tabular scores, shared by DPO and the reward model.

Given win counts W[x, i, j] (response i preferred over j in context x) and a scale s > 0, minimize
over scores φ of shape ``(n, k)``

.. math::

    \frac{1}{N} \sum_{x,i,j} W_{xij} \log\big(1 + e^{-s(\phi_{xi} - \phi_{xj})}\big)
    + \frac{\kappa}{2} \lVert \phi \rVert^2,

the negative log-likelihood of P(i ≻ j | x) = σ(s(φ_xi − φ_xj)) averaged over the N comparisons,
plus a ridge κ‖φ‖²/2. The ridge keeps the minimizer finite when a response wins every comparison
it appears in, and it fixes the free per-context constant (the likelihood depends only on differences),
because a constant shift adds to the penalty without changing the likelihood. The solver is
BFGS (``scipy.optimize.minimize``) with the analytic gradient. The problems have n·k ≤ a few
hundred parameters, and BFGS measured faster here than L-BFGS-B, whose compiled step took
about 8 ms per iteration on a loaded 2-core machine (scipy 1.17).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import expit


def fit_pairwise_scores(
    wins: np.ndarray, scale: float, ridge: float, *, max_iterations: int = 500
) -> tuple[np.ndarray, pd.DataFrame, dict[str, float]]:
    """Return (φ ``(n, k)``, history of the loss per BFGS iteration, diagnostics)."""
    wins = np.asarray(wins, dtype=np.float64)
    total = max(wins.sum(), 1.0)
    shape = wins.shape[:2]

    def loss_and_gradient(flat: np.ndarray) -> tuple[float, np.ndarray]:
        scores = flat.reshape(shape)
        margin = scale * (scores[:, :, None] - scores[:, None, :])
        loss = (wins * np.logaddexp(0.0, -margin)).sum() / total + 0.5 * ridge * (scores**2).sum()

        pull = wins * expit(-margin)
        gradient = -scale * (pull.sum(axis=2) - pull.sum(axis=1)) / total + ridge * scores
        return float(loss), gradient.ravel()

    losses: list[float] = []
    result = minimize(
        loss_and_gradient,
        np.zeros(shape).ravel(),
        jac=True,
        method="BFGS",
        callback=lambda flat: losses.append(loss_and_gradient(flat)[0]),
        options={"maxiter": max_iterations, "gtol": 1e-9},
    )

    history = pd.DataFrame({"iteration": np.arange(1, len(losses) + 1), "loss": losses})
    diagnostics = {
        "comparisons": float(wins.sum()),
        "iterations": float(result.nit),
        "final_loss": float(result.fun),
        "converged": float(result.success),
    }
    return result.x.reshape(shape), history, diagnostics
