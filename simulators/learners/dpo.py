r"""Direct preference optimization (DPO) with tabular logits, from Bradley–Terry preference pairs.

DPO minimizes, over a policy π_θ with logits θ of shape ``(n, k)``,

.. math::

    -\frac{1}{N}\sum_{(x, y_w, y_l)} \log \sigma\Big(\beta \log\frac{\pi_\theta(y_w|x)}{\pi_{ref}(y_w|x)}
        - \beta \log\frac{\pi_\theta(y_l|x)}{\pi_{ref}(y_l|x)}\Big).

The per-context log-normalizer of π_θ cancels in the difference, so with φ = θ − log π_ref the
loss is the Bradley–Terry likelihood with scale β on the scores φ
(:mod:`simulators.learners._bradley_terry`), and π_θ = softmax(log π_ref + φ). When the pairs come
from the Bradley–Terry model with reward r and cover every pair of responses, βφ → r + c(x) as N
grows, hence π_θ → π_ref e^{r/β}/Z = π*_β. Responses outside the support of π_ref keep
probability 0. The solver's ridge κ‖φ‖²/2 pulls π_θ toward π_ref by O(κ).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import softmax

from bounds import TabularProblem, fine_tuned_policy, kl_divergence, total_variation
from simulators.learners._bradley_terry import fit_pairwise_scores
from simulators.sampling import PreferencePairs


@dataclass(frozen=True)
class DPOResult:
    """The DPO policy ``(n, k)``, its implicit reward βφ ``(n, k)``, loss history and diagnostics."""

    policy: np.ndarray
    implicit_reward: np.ndarray
    history: pd.DataFrame
    diagnostics: dict[str, float]


def train_dpo(problem: TabularProblem, pairs: PreferencePairs, beta: float, *, ridge: float = 1e-6) -> DPOResult:
    """Fit the DPO policy from ``pairs`` and compare it with π*_β in the diagnostics."""
    if not beta > 0:
        raise ValueError(f"beta: got {beta!r}; the DPO temperature must be > 0")
    if not ridge > 0:
        raise ValueError(f"ridge: got {ridge!r}; the penalty must be > 0 to keep the estimate finite")
    wins = pairs.win_counts(problem.n_contexts, problem.n_responses)
    log_ratio, history, diagnostics = fit_pairwise_scores(wins, beta, ridge)

    with np.errstate(divide="ignore"):
        log_reference = np.log(problem.reference_policy)
    policy = softmax(log_reference + log_ratio, axis=-1)

    optimum = fine_tuned_policy(problem, beta)
    diagnostics["max_tv_to_optimum"] = float(total_variation(optimum, policy).max())
    diagnostics["kl_to_optimum"] = float(problem.context_probs @ kl_divergence(optimum, policy))
    return DPOResult(policy, beta * log_ratio, history, diagnostics)
