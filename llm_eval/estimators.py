r"""Monte Carlo estimators of the Align-Pro quantities from samples of a real target model.

For each user prompt x the runner records:

- ``raw_rewards`` r(x, y_i), shape ``(P, M)``: rewards of M responses y_i ~ π_F(·|x) to the raw
  prompt (no prompt optimization);
- ``candidate_rewards`` r(x, y_{ji}), shape ``(P, K, M)``: rewards of M responses to each of K
  candidates x'_j drawn i.i.d. from the reference prompter ρ₀(·|x).

P is the number of prompts; every prompt gets the same weight 1/P. All estimators below return one
value per prompt (shape ``(P,)``), so that :mod:`llm_eval.bootstrap` can resample prompts.

Estimators (r̄̂_j = (1/M) Σ_i r(x, y_{ji}) is the estimated prompt value of candidate j):

- raw prompt: (1/M) Σ_i r(x, y_i), unbiased;
- reference prompter ρ₀: (1/(KM)) Σ_{j,i} r(x, y_{ji}), unbiased because x'_j ~ ρ₀;
- optimal prompter ρ*_λ ∝ ρ₀ exp(r̄/λ): self-normalized weights w_j = softmax_j(r̄̂_j/λ) on the
  K draws, so ρ̂ puts mass w_j on draw j. The estimate Σ_j w_j r̄̂_j is consistent as K, M → ∞;
- RLHF optimum π*_β ∝ π_ref exp(r/β) with π_ref = π_F(·|x): self-normalized importance sampling
  (SNIS) with weights v_i = softmax_i(r(x, y_i)/β), estimate Σ_i v_i r(x, y_i). Its bias is
  O(1/M) because the normalizer is estimated from the same draws;
- best-of-n over the raw-prompt responses: the unbiased U-statistic for E[max of n draws].

Winner's curse and cross-fitting: the plug-in Σ_j w_j r̄̂_j selects and evaluates on the same
responses, so the candidates that look best are partly the lucky ones and the estimate is biased
upward. :func:`align_pro_reward` with ``cross_fit=True`` splits the M responses of every candidate
into halves A and B, computes the weights from r̄̂^A and evaluates them on r̄̂^B, then swaps the
halves and averages. The weights are then independent of the rewards they multiply, so the
estimate has no selection bias. Its own bias goes the other way. Weights from M/2 noisy responses
select less sharply than the exact ρ*_λ, so the estimate is pulled toward J(ρ₀). Both biases vanish
as M → ∞.

KL estimates use the self-normalized weights against the uniform empirical reference:
KL(ρ̂‖ρ₀) ≈ Σ_j w_j log(K w_j) and KL(π̂*_β‖π_F) ≈ Σ_i v_i log(M v_i), both in nats and ≥ 0.
Best-of-n has no weights; its KL is reported as the upper bound log n − (n−1)/n (Beirami et al.,
arXiv 2401.01879), exact only in the limit of a continuous reward.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import comb, softmax


def check_rewards(name: str, values: ArrayLike, ndim: int) -> np.ndarray:
    """Convert to float64, check the number of axes and finiteness, naming the argument."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != ndim:
        raise ValueError(f"{name}: expected {ndim} axes (prompts first), got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name}: contains NaN or infinite rewards; every reward must be finite")
    return array


def check_temperature(name: str, value: float) -> float:
    """Check that a KL coefficient is a positive float (inf is allowed and means no tilt)."""
    value = float(value)
    if not value > 0:
        raise ValueError(f"{name}: must be > 0, got {value}; pass a positive KL coefficient")
    return value


def self_normalized_weights(values: ArrayLike, temperature: float, *, name: str = "temperature") -> np.ndarray:
    """Return w_i = exp(v_i/τ) / Σ_l exp(v_l/τ) along the last axis (``scipy.special.softmax``, which shifts by the max).

    Args:
        values: v of shape ``(..., N)``, finite.
        temperature: τ > 0; ``inf`` gives uniform weights 1/N.
        name: the argument name used in the error message (``beta`` or ``lam``).

    Returns:
        Array of shape ``(..., N)`` whose last axis sums to 1.
    """
    tau = check_temperature(name, temperature)
    values = np.asarray(values, dtype=np.float64)

    if np.isinf(tau):
        return np.full(values.shape, 1.0 / values.shape[-1])

    return softmax(values / tau, axis=-1)


def weights_kl(weights: ArrayLike) -> np.ndarray:
    """Return Σ_i w_i log(N w_i), the KL of self-normalized weights from uniform (shape ``(...)``, nats).

    Zero weights contribute 0 (the 0 log 0 = 0 convention); rounding below 0 is clipped to 0.
    """
    weights = np.asarray(weights, dtype=np.float64)
    count = weights.shape[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(weights > 0, weights * np.log(count * weights), 0.0)
    return np.maximum(terms.sum(axis=-1), 0.0)


def raw_prompt_reward(raw_rewards: ArrayLike) -> np.ndarray:
    """Return the per-prompt mean reward of the raw prompt, (1/M) Σ_i r(x, y_i), shape ``(P,)``."""
    return check_rewards("raw_rewards", raw_rewards, 2).mean(axis=-1)


def reference_prompter_reward(candidate_rewards: ArrayLike) -> np.ndarray:
    """Return the per-prompt mean reward under ρ₀, (1/(KM)) Σ_{j,i} r(x, y_{ji}), shape ``(P,)``."""
    return check_rewards("candidate_rewards", candidate_rewards, 3).mean(axis=(-2, -1))


def candidate_halves(num_responses: int) -> tuple[np.ndarray, np.ndarray]:
    """Split response indices 0..M−1 into the halves used by cross-fitting (first ⌈M/2⌉, the rest)."""
    if num_responses < 2:
        raise ValueError(f"num_responses: cross-fitting needs at least 2 responses per candidate, got {num_responses}")
    middle = (num_responses + 1) // 2
    indices = np.arange(num_responses)
    return indices[:middle], indices[middle:]


def align_pro_weights(candidate_rewards: ArrayLike, lam: float) -> np.ndarray:
    """Return the weights w_j ∝ exp(r̄̂_j/λ) of ρ̂*_λ on the K sampled candidates, shape ``(P, K)``."""
    rewards = check_rewards("candidate_rewards", candidate_rewards, 3)
    return self_normalized_weights(rewards.mean(axis=-1), lam, name="lam")


def align_pro_response_weights(candidate_rewards: ArrayLike, lam: float, *, cross_fit: bool = True) -> np.ndarray:
    """Return weights over the K·M candidate responses, shape ``(P, K, M)``, summing to 1 per prompt.

    The weighted responses form the estimated response distribution of ρ̂*_λ π_F. Without
    cross-fitting response (j, i) gets w_j / M. With cross-fitting, a response of half B gets
    ½ w_j(A) / |B| and a response of half A gets ½ w_j(B) / |A|, where w(A) are the weights computed
    from the responses of half A only.
    """
    rewards = check_rewards("candidate_rewards", candidate_rewards, 3)
    num_responses = rewards.shape[-1]

    if not cross_fit:
        weights = align_pro_weights(rewards, lam)
        return np.repeat(weights[..., None] / num_responses, num_responses, axis=-1)

    first, second = candidate_halves(num_responses)
    weights_first = self_normalized_weights(rewards[..., first].mean(axis=-1), lam, name="lam")
    weights_second = self_normalized_weights(rewards[..., second].mean(axis=-1), lam, name="lam")

    response_weights = np.empty(rewards.shape)
    response_weights[..., second] = 0.5 * weights_first[..., None] / second.size
    response_weights[..., first] = 0.5 * weights_second[..., None] / first.size
    return response_weights


def align_pro_reward(candidate_rewards: ArrayLike, lam: float, *, cross_fit: bool = True) -> np.ndarray:
    """Return the per-prompt estimate of J(ρ*_λ π_F), shape ``(P,)``.

    With ``cross_fit=False`` this is the plug-in Σ_j w_j r̄̂_j (biased upward, see the module
    docstring). With ``cross_fit=True`` it is ½ [Σ_j w_j(A) r̄̂_j(B) + Σ_j w_j(B) r̄̂_j(A)].
    """
    rewards = check_rewards("candidate_rewards", candidate_rewards, 3)
    weights = align_pro_response_weights(rewards, lam, cross_fit=cross_fit)
    return (weights * rewards).sum(axis=(-2, -1))


def align_pro_weights_logits(candidate_rewards: ArrayLike, lam: float) -> np.ndarray:
    """Return r̄̂_j/λ, the unnormalized log-weights of ρ̂*_λ on the K candidates, shape ``(P, K)``."""
    rewards = check_rewards("candidate_rewards", candidate_rewards, 3)
    tau = check_temperature("lam", lam)
    if np.isinf(tau):
        return np.zeros(rewards.shape[:-1])
    return rewards.mean(axis=-1) / tau


def oracle_weights(raw_rewards: ArrayLike, beta: float) -> np.ndarray:
    """Return the SNIS weights v_i ∝ exp(r(x, y_i)/β) of π*_β on the raw responses, shape ``(P, M)``."""
    return self_normalized_weights(check_rewards("raw_rewards", raw_rewards, 2), beta, name="beta")


def oracle_reward(raw_rewards: ArrayLike, beta: float) -> np.ndarray:
    """Return the SNIS estimate Σ_i v_i r(x, y_i) of J(π*_β) with π_ref = π_F(·|x), shape ``(P,)``."""
    rewards = check_rewards("raw_rewards", raw_rewards, 2)
    return (oracle_weights(rewards, beta) * rewards).sum(axis=-1)


def best_of_n_weights(num_responses: int, n: int) -> np.ndarray:
    """Return the U-statistic weights of the sorted rewards for E[max of n draws], shape ``(M,)``.

    Among the C(M, n) subsets of n of the M draws, the one whose maximum is the i-th smallest
    (1-based) number C(i−1, n−1), so E[max] is estimated without bias by
    Σ_i r_(i) C(i−1, n−1) / C(M, n). Ties do not change the value of the estimate.
    """
    if not 1 <= n <= num_responses:
        raise ValueError(f"best_of_n: must be between 1 and the number of responses {num_responses}, got {n}")
    ranks = np.arange(num_responses)
    return comb(ranks, n - 1, exact=False) / comb(num_responses, n, exact=False)


def best_of_n_response_weights(raw_rewards: ArrayLike, n: int) -> np.ndarray:
    """Return weights over the raw responses, shape ``(P, M)``, estimating the law of the best of n.

    Response i gets C(rank_i − 1, n − 1) / C(M, n), its rank taken in a stable ascending sort, so
    Σ_i weight_i g(r_i) is an unbiased estimate of E[g(max of n draws)] for every function g.
    """
    rewards = check_rewards("raw_rewards", raw_rewards, 2)
    order = np.argsort(rewards, axis=-1, kind="stable")
    weights = np.empty(rewards.shape)
    np.put_along_axis(weights, order, np.broadcast_to(best_of_n_weights(rewards.shape[-1], n), rewards.shape), axis=-1)
    return weights


def best_of_n_reward(raw_rewards: ArrayLike, n: int) -> np.ndarray:
    """Return the unbiased per-prompt estimate of E[max of n i.i.d. rewards of the raw prompt], shape ``(P,)``."""
    rewards = np.sort(check_rewards("raw_rewards", raw_rewards, 2), axis=-1)
    return rewards @ best_of_n_weights(rewards.shape[-1], n)


def best_of_n_kl_bound(n: int) -> float:
    """Return log n − (n−1)/n, an upper bound on KL(best-of-n ‖ π) in nats (exact for continuous rewards)."""
    return float(np.log(n) - (n - 1) / n)
