r"""KL-regularized REINFORCE for a tabular softmax policy, shared by the two policy-gradient learners.

Maximize, over logits θ of shape ``(n, a)`` with π_θ(·|x) = softmax(θ_x),

.. math::

    L(\theta) = \mathbb{E}_{x\sim P}\big[\mathbb{E}_{u\sim\pi_\theta(\cdot|x)} v(x, u)
        - \tau\, \mathrm{KL}(\pi_\theta(\cdot|x) \,\|\, q(\cdot|x))\big],

where the learner only observes sampled rewards with mean v(x, u). Its maximizer is the Gibbs
tilt q e^{v/τ}. Each step draws B pairs (x_i, u_i) and uses

- the REINFORCE estimator with a per-context baseline b_x (an exponential moving average of the
  observed rewards): ĝ_x = (1/(B P(x))) Σ_{i: x_i = x} (r_i − b_x)(e_{u_i} − π_θ(·|x)),
  an unbiased estimate of ∇_{θ_x} E_π[v] / P(x) for a fixed baseline;
- the exact KL gradient of a tabular softmax (no sample KL estimator):
  ∇_{θ_x} KL(π_θ‖q) = π_θ ⊙ (log π_θ − log q − KL(π_θ‖q)).

Dividing the reward part by P(x) preconditions each context's block of θ by 1/P(x). The blocks
are independent, so this changes the speed but not the fixed point. Steps use the learning rate
η_t = η₀ / (1 + t / t_decay), whose decay averages out the sampling noise. Actions outside the
support of q keep logit −inf and are never drawn.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd
from scipy.special import log_softmax
from tqdm.auto import tqdm

from bounds import kl_divergence, total_variation
from simulators.sampling import sample_categorical

RewardSampler = Callable[[np.ndarray, np.ndarray, np.random.Generator], np.ndarray]


@dataclass(frozen=True)
class ReinforceSettings:
    """Optimization settings: steps, batch size B, learning rate η₀, its decay t_decay and history spacing."""

    n_steps: int = 2000
    batch_size: int = 256
    learning_rate: float = 1.0
    decay_steps: float = 200.0
    baseline_rate: float = 0.1
    history_every: int = 50

    def __post_init__(self) -> None:
        for name in ("n_steps", "batch_size", "history_every"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{name}: expected a positive integer, got {value!r}")
        for name in ("learning_rate", "decay_steps", "baseline_rate"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name}: expected a positive number, got {getattr(self, name)!r}")


def run_reinforce(
    reference: np.ndarray,
    context_probs: np.ndarray,
    sample_rewards: RewardSampler,
    temperature: float,
    target: np.ndarray,
    rng: np.random.Generator,
    settings: ReinforceSettings,
    *,
    progress: bool = False,
    description: str = "REINFORCE",
) -> tuple[np.ndarray, pd.DataFrame, dict[str, float]]:
    """Run the updates and return (policy ``(n, a)``, history, diagnostics).

    ``target`` (the closed-form optimum) is used only for the history columns
    ``tv_to_optimum`` (max over contexts) and ``kl_to_optimum`` (E_x KL(target ‖ π_θ)).
    """
    if not temperature > 0:
        raise ValueError(f"temperature: got {temperature!r}; the KL coefficient must be > 0")
    with np.errstate(divide="ignore"):
        log_reference = np.log(reference)
    logits = np.where(np.isfinite(log_reference), 0.0, -np.inf)
    n_contexts = reference.shape[0]
    weight = np.where(context_probs > 0, context_probs, 1.0)
    baseline = np.zeros(n_contexts)
    context_draws = np.broadcast_to(context_probs, (settings.batch_size, n_contexts))

    rows = []
    for step in tqdm(range(settings.n_steps + 1), desc=description, disable=not progress, leave=False):
        log_policy = log_softmax(logits, axis=-1)
        policy = np.exp(log_policy)
        if step % settings.history_every == 0 or step == settings.n_steps:
            rows.append(
                {
                    "step": step,
                    "tv_to_optimum": float(total_variation(target, policy).max()),
                    "kl_to_optimum": float(context_probs @ kl_divergence(target, policy)),
                }
            )
        if step == settings.n_steps:
            break

        contexts = sample_categorical(context_draws, rng)
        actions = sample_categorical(policy[contexts], rng)
        rewards = sample_rewards(contexts, actions, rng)

        advantage = rewards - baseline[contexts]
        scattered = np.zeros_like(policy)
        np.add.at(scattered, (contexts, actions), advantage)
        per_context = np.bincount(contexts, weights=advantage, minlength=n_contexts)
        reward_grad = (scattered - per_context[:, None] * policy) / (settings.batch_size * weight[:, None])

        log_ratio = np.where(policy > 0, log_policy - np.where(np.isfinite(log_reference), log_reference, 0.0), 0.0)
        kl = (policy * log_ratio).sum(axis=-1, keepdims=True)
        kl_grad = policy * (log_ratio - kl)

        rate = settings.learning_rate / (1.0 + step / settings.decay_steps)
        logits = logits + rate * (reward_grad - temperature * kl_grad)
        logits = logits - logits.max(axis=-1, keepdims=True)

        counts = np.bincount(contexts, minlength=n_contexts)
        seen = counts > 0
        batch_mean = np.where(seen, np.bincount(contexts, weights=rewards, minlength=n_contexts) / np.maximum(counts, 1), 0.0)
        baseline = np.where(seen, baseline + settings.baseline_rate * (batch_mean - baseline), baseline)

    history = pd.DataFrame(rows)
    diagnostics = {
        "samples": float(settings.n_steps * settings.batch_size),
        "final_tv_to_optimum": rows[-1]["tv_to_optimum"],
        "final_kl_to_optimum": rows[-1]["kl_to_optimum"],
    }
    return policy, history, diagnostics
