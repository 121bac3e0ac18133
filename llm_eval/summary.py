"""Turn the recorded samples of an evaluation into the summary table (JSON and Markdown).

The summary compares, on the same prompts and the same reward:

- ``no_prompt_optimization``: responses of the target model to the raw prompt;
- ``reference_prompter``: responses to candidates drawn from ρ₀ (the prompter before optimization);
- ``align_pro``: the optimal prompter ρ*_λ on the sampled candidates, cross-fitted;
- ``oracle_rlhf``: the RLHF optimum π*_β with π_ref = π_F(·|x), by SNIS on the raw responses;
- ``best_of_n``: the best of n raw-prompt responses by reward.

Each arm gets its reward mean and reward variance with bootstrap intervals over prompts, the win
rate against the raw prompt and a KL estimate (see :mod:`llm_eval.estimators` and
:mod:`llm_eval.metrics`). ``measured_gap`` is J(π*_β) − J(ρ*_λ π_F) per prompt with its interval,
and ``bound`` is the measured Pinsker / Bretagnolle–Huber bound (:mod:`llm_eval.measured_bound`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from llm_eval import estimators, measured_bound
from llm_eval.metrics import WeightedRewards, bootstrap_mean_ci, bootstrap_variance_ci, pooled_variance

ARM_TITLES = {
    "no_prompt_optimization": "Raw prompt (no optimization)",
    "reference_prompter": "Reference prompter ρ₀",
    "align_pro": "Align-Pro ρ*_λ",
    "oracle_rlhf": "RLHF optimum π*_β",
    "best_of_n": "Best-of-n",
}


@dataclass(frozen=True)
class EvalSamples:
    """The numbers an evaluation produces, aligned by prompt.

    Attributes:
        prompt_ids: P prompt identifiers, in evaluation order.
        raw_rewards: r(x, y_i) of the raw-prompt responses, ``(P, M)``.
        candidate_rewards: r(x, y_ji) of the responses to candidate j, ``(P, K, M)``.
        log_probs_raw: log π_F(y_i | x) of the raw responses, nats, ``(P, M)``.
        log_probs_candidates: log π_F(y_i | x'_j) of the raw responses, nats, ``(P, K, M)``.
    """

    prompt_ids: list[str]
    raw_rewards: np.ndarray
    candidate_rewards: np.ndarray
    log_probs_raw: np.ndarray
    log_probs_candidates: np.ndarray


def _arms(samples: EvalSamples, beta: float, lam: float, best_of_n: int) -> dict[str, tuple[WeightedRewards, float, str]]:
    """Return each arm's weighted rewards, its KL estimate (mean over prompts, nats) and how the KL was obtained."""
    raw = samples.raw_rewards
    candidates = samples.candidate_rewards
    num_prompts, num_candidates, num_responses = candidates.shape
    flat_candidates = candidates.reshape(num_prompts, num_candidates * num_responses)

    uniform_raw = np.full(raw.shape, 1.0 / num_responses)
    uniform_candidates = np.full(flat_candidates.shape, 1.0 / flat_candidates.shape[-1])
    align_pro = estimators.align_pro_response_weights(candidates, lam, cross_fit=True).reshape(flat_candidates.shape)
    oracle = estimators.oracle_weights(raw, beta)
    best = estimators.best_of_n_response_weights(raw, best_of_n)

    align_pro_kl = float(np.mean(estimators.weights_kl(estimators.align_pro_weights(candidates, lam))))
    oracle_kl = float(np.mean(estimators.weights_kl(oracle)))

    return {
        "no_prompt_optimization": (WeightedRewards(raw, uniform_raw), 0.0, "zero by definition"),
        "reference_prompter": (WeightedRewards(flat_candidates, uniform_candidates), 0.0, "zero by definition"),
        "align_pro": (WeightedRewards(flat_candidates, align_pro), align_pro_kl, "KL(ρ̂*_λ‖ρ₀) ≈ Σ_j w_j log(K w_j)"),
        "oracle_rlhf": (WeightedRewards(raw, oracle), oracle_kl, "KL(π̂*_β‖π_F) ≈ Σ_i v_i log(M v_i)"),
        "best_of_n": (WeightedRewards(raw, best), estimators.best_of_n_kl_bound(best_of_n), "upper bound log n − (n−1)/n"),
    }


def compute_summary(
    samples: EvalSamples,
    *,
    beta: float,
    lam: float,
    best_of_n: int,
    reward_bounds: tuple[float, float] | None,
    seed: int,
) -> dict[str, Any]:
    """Compute the summary dictionary (arms, measured gap, measured bound) from the samples.

    Every bootstrap interval uses its own seed derived from ``seed``, so the summary is a pure
    function of the samples and the settings.
    """
    arms = _arms(samples, beta, lam, best_of_n)
    seeds = np.random.SeedSequence(seed).generate_state(len(arms) + 2)
    variance_seeds = np.random.SeedSequence([seed, 1]).generate_state(len(arms))
    summary_arms: dict[str, Any] = {}

    for (name, (arm, kl, kl_method)), arm_seed, variance_seed in zip(arms.items(), seeds, variance_seeds):
        per_prompt = arm.mean()
        summary_arms[name] = {
            "reward_mean": float(np.mean(per_prompt)),
            "reward_mean_ci": bootstrap_mean_ci(per_prompt, seed=int(arm_seed)),
            "reward_variance": pooled_variance(arm),
            "reward_variance_ci": bootstrap_variance_ci(arm, seed=int(variance_seed)),
            "win_rate": float(np.mean(arm.win_rate(samples.raw_rewards))),
            "kl": kl,
            "kl_method": kl_method,
        }

    plug_in = estimators.align_pro_reward(samples.candidate_rewards, lam, cross_fit=False)
    summary_arms["align_pro"]["reward_mean_plug_in"] = float(np.mean(plug_in))

    gap = arms["oracle_rlhf"][0].mean() - arms["align_pro"][0].mean()
    kl = measured_bound.oracle_to_mixture_kl(
        samples.raw_rewards, samples.log_probs_raw, samples.log_probs_candidates, samples.candidate_rewards, beta, lam
    )
    span, span_source = measured_bound.reward_span(samples.raw_rewards, samples.candidate_rewards, reward_bounds)
    bound = measured_bound.measured_t2_bound(span, kl)

    return {
        "num_prompts": len(samples.prompt_ids),
        "arms": summary_arms,
        "measured_gap": {
            "value": float(np.mean(gap)),
            "ci": bootstrap_mean_ci(gap, seed=int(seeds[-2])),
            "definition": "J(π*_β) − J(ρ*_λ π_F), cross-fitted Align-Pro estimate",
        },
        "bound": {
            "value": float(np.mean(bound)),
            "ci": bootstrap_mean_ci(bound, seed=int(seeds[-1])),
            "kl_oracle_to_induced": float(np.mean(kl)),
            "span_source": span_source,
            "definition": "mean over prompts of span(x)·min(√(KL/2), √(1−e^{−KL})), KL = KL(π*_β‖ρ̂*_λ π_F) by SNIS",
        },
    }


def _format_interval(interval: list[float] | None) -> str:
    if interval is None:
        return "n/a"
    return f"[{interval[0]:.4f}, {interval[1]:.4f}]"


def format_markdown(summary: dict[str, Any], settings: dict[str, Any]) -> str:
    """Return the summary as a Markdown page with one table row per arm."""
    lines = [
        "# Align-Pro evaluation",
        "",
        f"{summary['num_prompts']} prompts; K = {settings['num_candidates']} candidates, "
        f"M = {settings['num_responses']} responses, β = {settings['beta']}, λ = {settings['lam']}, "
        f"n = {settings['best_of_n']}, seed {settings['seed']}. Intervals: 95 % percentile bootstrap over prompts.",
        "",
        "| method | reward mean | 95 % CI | variance | 95 % CI | win rate vs raw | KL (nats) |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]

    for name, title in ARM_TITLES.items():
        arm = summary["arms"][name]
        lines.append(
            f"| {title} | {arm['reward_mean']:.4f} | {_format_interval(arm['reward_mean_ci'])} | "
            f"{arm['reward_variance']:.4f} | {_format_interval(arm['reward_variance_ci'])} | "
            f"{arm['win_rate']:.3f} | {arm['kl']:.4f} |"
        )

    gap = summary["measured_gap"]
    bound = summary["bound"]
    lines += [
        "",
        f"Measured gap J(π*_β) − J(ρ*_λ π_F): {gap['value']:.4f}, 95 % CI {_format_interval(gap['ci'])}.",
        f"Measured Pinsker / Bretagnolle–Huber bound: {bound['value']:.4f}, 95 % CI {_format_interval(bound['ci'])} "
        f"(mean KL(π*_β‖π̃) = {bound['kl_oracle_to_induced']:.4f} nats, span from the {bound['span_source']}).",
        f"Align-Pro plug-in estimate without cross-fitting: {summary['arms']['align_pro']['reward_mean_plug_in']:.4f}.",
        "",
        "KL column: Align-Pro and RLHF use the self-normalized weights against uniform; best-of-n shows the",
        "upper bound log n − (n−1)/n.",
        "",
    ]
    return "\n".join(lines)
