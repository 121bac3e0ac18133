"""Per-prompt metrics of a weighted response sample and bootstrap confidence intervals over prompts.

Every evaluated arm (raw prompt, Align-Pro, RLHF optimum, best-of-n) is represented, for each of the
P prompts, by N rewards and N non-negative weights summing to 1 (:class:`WeightedRewards`): the
weighted empirical distribution estimating the arm's reward distribution for that prompt. The
metrics of the Align-Pro paper's results table follow from it:

- reward mean: (1/P) Σ_x Σ_i w_i r_i;
- reward variance: the variance of r over (x uniform, y from the arm), E[r²] − (E r)², which
  includes the spread between prompts;
- win rate against the raw prompt: P(r_arm > r_raw) + ½ P(r_arm = r_raw) with the two responses
  drawn independently for the same prompt, so ties count half. The raw side uses the M raw-prompt
  responses with weight 1/M. For arms built from the raw responses themselves (RLHF optimum,
  best-of-n) the two sides share samples, which makes this a plug-in estimate with O(1/M) bias.

Confidence intervals resample prompts (``scipy.stats.bootstrap``, percentile method, seeded). The
percentile method is used rather than BCa because BCa's jackknife acceleration is undefined when
all per-prompt values are equal and unstable with a handful of prompts, both common in small runs.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.stats import bootstrap

logger = logging.getLogger(__name__)

#: Confidence level of every interval in the summary.
CONFIDENCE_LEVEL = 0.95

#: Bootstrap resamples; the Monte Carlo error of a 95 % percentile endpoint is then well below the
#: sampling error of a mean over tens of prompts.
NUM_RESAMPLES = 2000


@dataclass(frozen=True)
class WeightedRewards:
    """Rewards ``(P, N)`` and weights ``(P, N)`` (each row sums to 1) of one arm."""

    rewards: np.ndarray
    weights: np.ndarray

    def __post_init__(self) -> None:
        rewards = np.asarray(self.rewards, dtype=np.float64)
        weights = np.asarray(self.weights, dtype=np.float64)
        if rewards.shape != weights.shape or rewards.ndim != 2:
            raise ValueError(f"WeightedRewards: rewards {rewards.shape} and weights {weights.shape} must both have shape (P, N)")
        if not np.allclose(weights.sum(axis=-1), 1.0, rtol=0.0, atol=1e-9):
            raise ValueError("WeightedRewards: every row of weights must sum to 1")
        object.__setattr__(self, "rewards", rewards)
        object.__setattr__(self, "weights", weights)

    def mean(self) -> np.ndarray:
        """Return Σ_i w_i r_i per prompt, shape ``(P,)``."""
        return (self.weights * self.rewards).sum(axis=-1)

    def second_moment(self) -> np.ndarray:
        """Return Σ_i w_i r_i² per prompt, shape ``(P,)``."""
        return (self.weights * self.rewards**2).sum(axis=-1)

    def win_rate(self, baseline_rewards: ArrayLike) -> np.ndarray:
        """Return Σ_i w_i (1/M) Σ_l [1(r_i > s_l) + ½ 1(r_i = s_l)] per prompt against baseline s ``(P, M)``."""
        baseline = np.asarray(baseline_rewards, dtype=np.float64)
        wins = (self.rewards[:, :, None] > baseline[:, None, :]).mean(axis=-1)
        ties = (self.rewards[:, :, None] == baseline[:, None, :]).mean(axis=-1)
        return (self.weights * (wins + 0.5 * ties)).sum(axis=-1)


def pooled_variance(arm: WeightedRewards) -> float:
    """Return E[r²] − (E r)² over prompts weighted equally and responses weighted by the arm."""
    return float(np.mean(arm.second_moment()) - np.mean(arm.mean()) ** 2)


def bootstrap_mean_ci(values: ArrayLike, *, seed: int) -> list[float] | None:
    """Return the percentile bootstrap interval [low, high] of the mean of per-prompt ``values``.

    Returns None with fewer than two prompts, where resampling prompts cannot measure any spread.
    An interval of a constant sample is that constant, [c, c].
    """
    values = np.asarray(values, dtype=np.float64)
    if values.size < 2:
        logger.warning("only %d prompt(s): no bootstrap interval", values.size)
        return None

    if np.all(values == values[0]):
        return [float(values[0]), float(values[0])]

    result = bootstrap(
        (values,),
        np.mean,
        confidence_level=CONFIDENCE_LEVEL,
        n_resamples=NUM_RESAMPLES,
        method="percentile",
        rng=np.random.default_rng(seed),
    )
    return [float(result.confidence_interval.low), float(result.confidence_interval.high)]


def bootstrap_variance_ci(arm: WeightedRewards, *, seed: int) -> list[float] | None:
    """Return the percentile bootstrap interval [low, high] of :func:`pooled_variance` over prompts.

    Prompts are resampled with their responses and weights, as for the mean. Returns None with
    fewer than two prompts.
    """
    num_prompts = arm.rewards.shape[0]
    if num_prompts < 2:
        logger.warning("only %d prompt(s): no bootstrap interval of the variance", num_prompts)
        return None

    def variance_of(indices: np.ndarray) -> float:
        chosen = indices.astype(int)
        return pooled_variance(WeightedRewards(arm.rewards[chosen], arm.weights[chosen]))

    result = bootstrap(
        (np.arange(num_prompts),),
        variance_of,
        vectorized=False,
        confidence_level=CONFIDENCE_LEVEL,
        n_resamples=NUM_RESAMPLES,
        method="percentile",
        rng=np.random.default_rng(seed),
    )
    return [float(result.confidence_interval.low), float(result.confidence_interval.high)]
