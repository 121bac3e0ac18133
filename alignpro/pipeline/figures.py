"""Figures of the theory and evaluation stages (PDF and PNG each, in the simulators' paper style).

- ``theory_tightness``: bound / Δ per bound and family, over the random instances of stage (a).
- ``theory_frontier``: fine-tuning minus prompt-optimization reward at matched KL budgets (T4 proves
  it is ≥ 0), median and range over instances.
- ``eval_rewards``: reward mean with its 95 % bootstrap interval for each arm of stage (c).
- ``eval_gap_bound``: the measured gap next to the measured T2 bound, with intervals.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ARM_ORDER = ("no_prompt_optimization", "reference_prompter", "align_pro", "oracle_rlhf", "best_of_n")
ARM_LABELS = {
    "no_prompt_optimization": "raw prompt",
    "reference_prompter": "ρ₀",
    "align_pro": "Align-Pro",
    "oracle_rlhf": "RLHF opt.",
    "best_of_n": "best-of-n",
}


def plot_theory_tightness(rows: pd.DataFrame, out_dir: Path) -> list[Path]:
    """Draw bound / Δ per bound (x axis) and family (markers), log scale, over instances with Δ > 0."""
    from simulators.plotting.style import COLORS, new_figure, paper_style, save_figure

    finite = rows.dropna(subset=["ratio"])
    bounds = list(dict.fromkeys(rows["bound"]))
    families = list(dict.fromkeys(rows["family"]))
    with paper_style():
        figure, axes = new_figure(width=6.8, height=2.8)
        axis = axes[0][0]
        offsets = np.linspace(-0.3, 0.3, len(families))
        for family, offset, color in zip(families, offsets, COLORS):
            subset = finite[finite["family"] == family]
            positions = np.array([bounds.index(name) for name in subset["bound"]], dtype=np.float64) + offset
            axis.scatter(positions, subset["ratio"], s=4, alpha=0.4, color=color, label=family, linewidths=0)
        axis.axhline(1.0, color="black", linewidth=0.8, linestyle="--")
        axis.set_xticks(range(len(bounds)), bounds, rotation=15)
        axis.set_yscale("log")
        axis.set_ylabel("bound / Δ")
        axis.set_title("Every bound against the exact gap (1 = tight)")
        axis.legend(ncols=3, markerscale=3, fontsize="small")
        return save_figure(figure, out_dir, "theory_tightness")


def plot_theory_frontier(curve: dict[str, Any], out_dir: Path) -> list[Path]:
    """Draw max J(π) − max J(ρπ_F) at matched KL budgets, the T4 dominance of fine-tuning."""
    from simulators.plotting.style import COLORS, new_figure, paper_style, save_figure

    budget = np.asarray(curve["budget"])
    with paper_style():
        figure, axes = new_figure()
        axis = axes[0][0]
        axis.fill_between(budget, curve["advantage_min"], curve["advantage_max"], color=COLORS[0], alpha=0.25, label="range")
        axis.plot(budget, curve["advantage_median"], color=COLORS[0], label="median")
        axis.axhline(0.0, color="black", linewidth=0.8, linestyle="--")
        axis.set_xscale("log")
        axis.set_xlabel("KL budget ε (nats)")
        axis.set_ylabel("fine-tuning − prompt reward")
        axis.set_title("T4: fine-tuning dominates at equal KL")
        axis.legend()
        return save_figure(figure, out_dir, "theory_frontier")


def plot_eval_rewards(summary: dict[str, Any], out_dir: Path) -> list[Path]:
    """Draw each arm's reward mean with its bootstrap interval (no bar when the interval is missing)."""
    from simulators.plotting.style import COLORS, new_figure, paper_style, save_figure

    arms = [name for name in ARM_ORDER if name in summary["arms"]]
    means = np.array([summary["arms"][name]["reward_mean"] for name in arms])
    intervals = [summary["arms"][name]["reward_mean_ci"] or [mean, mean] for name, mean in zip(arms, means)]
    errors = np.array([[mean - low, high - mean] for mean, (low, high) in zip(means, intervals)]).T
    with paper_style():
        figure, axes = new_figure(width=4.2)
        axis = axes[0][0]
        axis.errorbar(range(len(arms)), means, yerr=errors, fmt="o", color=COLORS[0], capsize=3)
        axis.set_xticks(range(len(arms)), [ARM_LABELS[name] for name in arms], rotation=15)
        axis.set_ylabel("reward mean (95 % CI)")
        axis.set_title(f"Real model, {summary['num_prompts']} prompts")
        return save_figure(figure, out_dir, "eval_rewards")


def plot_eval_gap_bound(summary: dict[str, Any], out_dir: Path) -> list[Path]:
    """Draw the measured gap J(π*_β) − J(ρ*_λπ_F) and the measured T2 bound with their intervals."""
    from simulators.plotting.style import COLORS, new_figure, paper_style, save_figure

    entries = [("measured gap", summary["measured_gap"]), ("measured T2 bound", summary["bound"])]
    with paper_style():
        figure, axes = new_figure()
        axis = axes[0][0]
        for position, ((label, entry), color) in enumerate(zip(entries, COLORS)):
            value = entry["value"]
            low, high = entry["ci"] or [value, value]
            axis.errorbar([position], [value], yerr=[[value - low], [high - value]], fmt="o", color=color, capsize=3)
        axis.axhline(0.0, color="black", linewidth=0.8, linestyle="--")
        axis.set_xticks(range(len(entries)), [label for label, _ in entries])
        axis.set_xlim(-0.5, len(entries) - 0.5)
        axis.set_ylabel("reward units (95 % CI)")
        axis.set_title("Gap and its bound on the real model")
        return save_figure(figure, out_dir, "eval_gap_bound")
