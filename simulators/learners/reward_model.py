r"""Bradley–Terry reward model fitted by maximum likelihood from preference pairs.

Comparisons follow P(y₁ ≻ y₂ | x) = σ(r(x, y₁) − r(x, y₂)), so only the differences
r(x, y) − r(x, y') are identifiable: r and r + c(x) give the same data distribution.

Normalization: the returned r̂ is centered per context, Σ_y r̂(x, y) = 0 (an unweighted mean over
the k responses), and it should be compared with the true reward centered the same way
(:func:`centered`). A response that never appears in a context's comparisons has no likelihood
term, so its fitted score is 0 before centering; it is flagged in ``observed``. The tiny ridge of
the solver (see :mod:`simulators.learners._bradley_terry`) biases r̂ toward 0 by O(κ).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulators.learners._bradley_terry import fit_pairwise_scores
from simulators.sampling import PreferencePairs


@dataclass(frozen=True)
class RewardModelResult:
    """Fitted reward r̂ ``(n, k)`` (centered per context), the responses seen per context, loss history, diagnostics."""

    reward: np.ndarray
    observed: np.ndarray
    history: pd.DataFrame
    diagnostics: dict[str, float]


def centered(reward: np.ndarray) -> np.ndarray:
    """Return r(x, y) − mean_y r(x, y), the representative of r modulo per-context constants."""
    reward = np.asarray(reward, dtype=np.float64)
    return reward - reward.mean(axis=-1, keepdims=True)


def fit_reward_model(pairs: PreferencePairs, n_contexts: int, n_responses: int, *, ridge: float = 1e-6) -> RewardModelResult:
    """Fit r̂ by penalized Bradley–Terry maximum likelihood and center it per context."""
    if not ridge > 0:
        raise ValueError(f"ridge: got {ridge!r}; the penalty must be > 0 to keep the estimate finite")
    wins = pairs.win_counts(n_contexts, n_responses)
    scores, history, diagnostics = fit_pairwise_scores(wins, 1.0, ridge)

    appearances = wins.sum(axis=2) + wins.sum(axis=1)
    return RewardModelResult(centered(scores), appearances > 0, history, diagnostics)
