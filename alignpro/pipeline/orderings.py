"""Statements about the orderings theory predicts, decided from an evaluation summary.

Theory (with exact expectations) predicts, on the same prompts and reward:

- Align-Pro ρ*_λ scores at least as well as its reference ρ₀ (ρ*_λ maximizes reward minus a KL
  penalty that is zero at ρ₀);
- Align-Pro beats the raw prompt, which is the hope of prompt optimization (not a theorem: ρ₀ may
  score below the raw prompt);
- the RLHF optimum π*_β scores at least as well as Align-Pro. This is not a theorem either, because
  a regularized π*_β is not the reward maximizer, so Δ can be negative when β is large;
- best-of-n beats the raw prompt;
- the measured gap is at most the measured T2 bound.

On a real model every quantity is an estimate, so each statement reports whether the point estimates
follow the expected order and whether the 95 % intervals separate the two values. A statement whose
order did not hold starts with "Did not hold", so the report shows it instead of hiding it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class OrderingCheck:
    """One expected ordering ``larger ≥ smaller`` and what the data showed.

    Attributes:
        name: short identifier, e.g. ``align_pro_vs_raw``.
        held: the point estimate of ``larger`` is at least that of ``smaller``.
        resolved: the 95 % intervals do not overlap, so the sample settles the order either way.
        statement: one sentence for the report.
    """

    name: str
    held: bool
    resolved: bool
    statement: str


def _interval_text(value: float, interval: list[float] | None) -> str:
    if interval is None:
        return f"{value:.4f} (no interval)"
    return f"{value:.4f} [{interval[0]:.4f}, {interval[1]:.4f}]"


def _compare(name: str, larger: tuple[str, float, list[float] | None], smaller: tuple[str, float, list[float] | None], verb: str) -> OrderingCheck:
    """Decide whether ``larger`` ≥ ``smaller`` held and whether the intervals separate them."""
    larger_label, larger_value, larger_ci = larger
    smaller_label, smaller_value, smaller_ci = smaller
    held = larger_value >= smaller_value

    resolved = False
    if larger_ci is not None and smaller_ci is not None:
        resolved = larger_ci[0] > smaller_ci[1] or smaller_ci[0] > larger_ci[1]

    expected = f"Expected {larger_label} {verb} {smaller_label}."
    numbers = f"{larger_label}: {_interval_text(larger_value, larger_ci)}; {smaller_label}: {_interval_text(smaller_value, smaller_ci)}."
    numbers = numbers[0].upper() + numbers[1:]
    if held and resolved:
        verdict = "Held, and the 95 % intervals do not overlap."
    elif held:
        verdict = "Held in the point estimates, but the 95 % intervals overlap, so this sample does not settle the order."
    elif resolved:
        verdict = f"Did not hold: {larger_label} is below {smaller_label} and the 95 % intervals do not overlap."
    else:
        verdict = f"Did not hold in the point estimates ({larger_label} is below {smaller_label}); the 95 % intervals overlap."
    return OrderingCheck(name, held, resolved, f"{verdict} {expected} {numbers}")


def _arm(summary: dict[str, Any], name: str, label: str) -> tuple[str, float, list[float] | None]:
    arm = summary["arms"][name]
    return label, float(arm["reward_mean"]), arm.get("reward_mean_ci")


def ordering_checks(summary: dict[str, Any]) -> list[OrderingCheck]:
    """Return the five ordering checks of an :func:`llm_eval.summary.compute_summary` dictionary."""
    raw = _arm(summary, "no_prompt_optimization", "the raw prompt")
    reference = _arm(summary, "reference_prompter", "the reference prompter ρ₀")
    align_pro = _arm(summary, "align_pro", "Align-Pro ρ*_λ")
    oracle = _arm(summary, "oracle_rlhf", "the RLHF optimum π*_β")
    best = _arm(summary, "best_of_n", "best-of-n")
    bound = ("the measured T2 bound", float(summary["bound"]["value"]), summary["bound"].get("ci"))
    gap = ("the measured gap", float(summary["measured_gap"]["value"]), summary["measured_gap"].get("ci"))

    return [
        _compare("align_pro_vs_reference", align_pro, reference, "to score at least as well as"),
        _compare("align_pro_vs_raw", align_pro, raw, "to score at least as well as"),
        _compare("rlhf_vs_align_pro", oracle, align_pro, "to score at least as well as"),
        _compare("best_of_n_vs_raw", best, raw, "to score at least as well as"),
        _compare("bound_vs_gap", bound, gap, "to be at least"),
    ]
