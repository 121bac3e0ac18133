r"""The Pinsker / Bretagnolle–Huber bound on the gap, measured on a real model.

For each user prompt x, total variation bounds the reward difference of two policies (Hölder):
|E_p r − E_q r| ≤ span(x) TV(p, q), and TV ≤ min(√(KL/2), √(1 − e^{−KL})) (Pinsker and
Bretagnolle–Huber). With p = π*_β(·|x) and q = π̃(·|x) = Σ_j ρ̂(x'_j|x) π_F(·|x'_j) the policy
induced by the prompter, averaging over prompts gives

.. math::
    \Delta \le \frac1P \sum_x \mathrm{span}(x)\,
        \min\Big(\sqrt{\mathrm{KL}(\pi^*_\beta\|\tilde\pi)/2},\; \sqrt{1 - e^{-\mathrm{KL}(\pi^*_\beta\|\tilde\pi)}}\Big),

where span(x) = max_y r(x, y) − min_y r(x, y), Δ = J(π*_β) − J(π̃), P the number of prompts.

Measuring KL(π*_β ‖ π̃) needs, for each response y_i of the raw prompt, its teacher-forced
log-probability under the raw prompt and under every candidate x'_j (K + 1 scores per response).
π*_β is reached by self-normalized importance sampling from π_F(·|x), so the estimate assumes that
the M raw-prompt responses cover the support of π*_β, and that the teacher-forced log-probabilities
describe the same distribution that generated the samples (temperature 1, no top-k or top-p).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import log_softmax, logsumexp

from llm_eval.estimators import align_pro_weights_logits, check_rewards, check_temperature


def log_mixture(log_prompter: ArrayLike, log_probs_candidates: ArrayLike) -> np.ndarray:
    """Return log π̃(y_i|x) = logsumexp_j [log ρ(x'_j|x) + log π_F(y_i|x'_j)], shape ``(P, M)``.

    Args:
        log_prompter: log ρ on the K candidates, shape ``(P, K)``.
        log_probs_candidates: teacher-forced log π_F(y_i | x'_j), shape ``(P, K, M)``.
    """
    log_prompter = np.asarray(log_prompter, dtype=np.float64)
    log_probs = np.asarray(log_probs_candidates, dtype=np.float64)
    return logsumexp(log_prompter[..., None] + log_probs, axis=-2)


def oracle_to_mixture_kl(
    raw_rewards: ArrayLike,
    log_probs_raw: ArrayLike,
    log_probs_candidates: ArrayLike,
    candidate_rewards: ArrayLike,
    beta: float,
    lam: float,
) -> np.ndarray:
    r"""Return the SNIS estimate of KL(π*_β(·|x) ‖ π̃(·|x)) per prompt, shape ``(P,)``, in nats.

    π*_β(y|x) = π_F(y|x) e^{r/β} / Z and π̃ = Σ_j ρ̂(x'_j) π_F(y|x'_j), with ρ̂ the self-normalized
    ρ*_λ on the K candidates (weights from all M responses per candidate). With SNIS weights
    v_i = softmax(r/β)_i and Ẑ = (1/M) Σ_i e^{r_i/β}, so that r_i/β − log Ẑ = log(M v_i),

    .. math::
        \widehat{KL} = \sum_i v_i \,[\log \pi_F(y_i|x) + \log(M v_i) - \log \tilde\pi(y_i|x)].

    The estimate is consistent as K, M → ∞ under the coverage assumption of the module docstring.
    A sampling error can make it negative; it is clipped at 0, since KL ≥ 0.

    Args:
        raw_rewards: r(x, y_i), shape ``(P, M)``.
        log_probs_raw: log π_F(y_i | x), shape ``(P, M)``.
        log_probs_candidates: log π_F(y_i | x'_j), shape ``(P, K, M)``.
        candidate_rewards: rewards of the responses to the candidates, shape ``(P, K, M)``.
        beta: β > 0 of the RLHF optimum.
        lam: λ > 0 of the optimal prompter.
    """
    rewards = check_rewards("raw_rewards", raw_rewards, 2)
    log_probs_raw = np.asarray(log_probs_raw, dtype=np.float64)
    beta = check_temperature("beta", beta)

    log_prompter = log_softmax(align_pro_weights_logits(candidate_rewards, lam), axis=-1)
    log_oracle = log_softmax(rewards / beta, axis=-1) if np.isfinite(beta) else np.full(rewards.shape, -np.log(rewards.shape[-1]))
    oracle = np.exp(log_oracle)

    log_target = log_probs_raw + log_oracle + np.log(rewards.shape[-1])
    log_tilde = log_mixture(log_prompter, log_probs_candidates)

    # A response with zero weight contributes nothing, even where π̃ gives it probability 0.
    with np.errstate(invalid="ignore"):
        terms = np.where(oracle > 0, oracle * (log_target - log_tilde), 0.0)
    return np.maximum(terms.sum(axis=-1), 0.0)


def total_variation_bound(kl: ArrayLike) -> np.ndarray:
    """Return min(√(KL/2), √(1 − e^{−KL})), the Pinsker / Bretagnolle–Huber bound on TV (shape of ``kl``)."""
    kl = np.maximum(np.asarray(kl, dtype=np.float64), 0.0)
    return np.minimum(np.sqrt(kl / 2.0), np.sqrt(-np.expm1(-kl)))


def reward_span(
    raw_rewards: ArrayLike,
    candidate_rewards: ArrayLike,
    reward_bounds: tuple[float, float] | None,
) -> tuple[np.ndarray, str]:
    """Return span(x) per prompt (shape ``(P,)``) and how it was obtained.

    With known reward bounds (low, high) the span is high − low for every prompt (``"reward bounds"``),
    a valid upper bound on max_y r − min_y r. Without them it is the observed range over all raw and
    candidate responses of the prompt (``"observed range"``), which can only underestimate the true
    span, so the measured bound is then an estimate rather than a guaranteed upper bound.
    """
    raw = check_rewards("raw_rewards", raw_rewards, 2)
    candidates = check_rewards("candidate_rewards", candidate_rewards, 3)

    if reward_bounds is not None:
        low, high = (float(value) for value in reward_bounds)
        if not high >= low:
            raise ValueError(f"reward bounds: expected (low, high) with high >= low, got {reward_bounds}")
        return np.full(raw.shape[0], high - low), "reward bounds"

    flat = np.concatenate([raw, candidates.reshape(candidates.shape[0], -1)], axis=-1)
    return flat.max(axis=-1) - flat.min(axis=-1), "observed range"


def measured_t2_bound(span: ArrayLike, kl: ArrayLike) -> np.ndarray:
    """Return the per-prompt bound span(x) · min(√(KL/2), √(1 − e^{−KL})), shape ``(P,)``."""
    return np.asarray(span, dtype=np.float64) * total_variation_bound(kl)
