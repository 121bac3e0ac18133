r"""Plots of one representative instance: gap and bounds against λ, the two reward–KL frontiers,
best-of-n against prompt optimization at equal KL, learning curves and the finite-sample check.

The instance is the one a sweep cell with the same family, knobs, sizes and seed would draw
(:class:`simulators.config.PlotInstance`, regenerated from ``config.json``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bounds import (
    TabularProblem,
    best_of_n_prompts,
    best_of_n_responses,
    compute_bounds,
    default_temperatures,
    fine_tuning_frontier,
    prompt_frontier,
    reward_span,
)
from simulators.experiments import finite_sample_coverage
from simulators.learners.best_of_n import sample_best_of_n
from simulators.learning_curves import learning_curves
from simulators.plotting.style import new_figure, paper_style, save_figure

BOUND_LABELS = {
    "holder_tv": "Hölder (T1)",
    "pinsker": "Pinsker (T2)",
    "bretagnolle_huber": "Bretagnolle–Huber (T2)",
    "coverage_prior": "coverage + prior (T3)",
    "coverage_prior_lp": "coverage LP + prior (T3)",
    "paper_t0": "paper shape (T0)",
}
DRAW_COUNTS = (1, 2, 4, 8, 16, 32, 64, 128)


def _batched(problem: TabularProblem, size: int) -> TabularProblem:
    """Return ``size`` copies of a single instance stacked on a batch axis."""
    arrays = {key: np.broadcast_to(getattr(problem, key), (size, *getattr(problem, key).shape)) for key in
              ("context_probs", "reward", "target_policy", "reference_prompter", "reference_policy")}
    return TabularProblem(**arrays)


def plot_gap_vs_lambda(problem: TabularProblem, beta: float, out_dir: Path) -> list[Path]:
    """Plot Δ(β, λ) and every bound against λ at fixed β (log λ axis, 60 points over 4 decades)."""
    scale = float(np.max(reward_span(problem.reward)))
    lams = scale * np.logspace(-2, 2, 60)
    report = compute_bounds(_batched(problem, lams.size), beta, lams)

    with paper_style():
        figure, axes = new_figure(width=4.2, height=2.8)
        axis = axes[0, 0]
        for name, values in report.bounds.items():
            axis.plot(lams, values, label=BOUND_LABELS.get(name, name), linestyle="--")
        axis.plot(lams, report.gap, color="black", label="exact gap Δ", linewidth=2.0)
        axis.set_xscale("log")
        axis.set_ylim(min(0.0, float(report.gap.min())) - 0.02 * scale, 1.1 * float(np.max(reward_span(problem.reward))))
        axis.set_xlabel("prompt KL coefficient λ")
        axis.set_ylabel("reward gap")
        axis.set_title(f"Gap and its upper bounds (β = {beta:g})")
        axis.legend(loc="upper left")
        return save_figure(figure, out_dir, "gap_vs_lambda")


def plot_frontiers(problem: TabularProblem, out_dir: Path) -> list[Path]:
    """Plot the reward–KL frontiers of fine-tuning and of prompt optimization (T4)."""
    scale = float(np.max(reward_span(problem.reward)))
    temperatures = default_temperatures(scale)
    fine_tuning = fine_tuning_frontier(problem, temperatures)
    prompting = prompt_frontier(problem, temperatures)

    with paper_style():
        figure, axes = new_figure(width=4.0, height=2.8)
        axis = axes[0, 0]
        axis.plot(fine_tuning.kl, fine_tuning.reward, label=r"fine-tuning: KL($\pi^*_\beta \,\|\, \pi_{\mathrm{ref}}$)")
        axis.plot(prompting.kl, prompting.reward, label=r"prompt optimization: KL($\rho^*_\lambda \,\|\, \rho_0$)")
        axis.set_xlabel("expected KL budget (nats)")
        axis.set_ylabel("expected reward J")
        axis.set_title("Reward–KL frontiers")
        axis.legend(loc="lower right")
        return save_figure(figure, out_dir, "frontiers")


def plot_best_of_n(problem: TabularProblem, out_dir: Path, seed: int) -> list[Path]:
    """Plot best-of-n over responses and over prompts (exact and sampled) against both frontiers."""
    scale = float(np.max(reward_span(problem.reward)))
    temperatures = default_temperatures(scale)
    fine_tuning = fine_tuning_frontier(problem, temperatures)
    prompting = prompt_frontier(problem, temperatures)
    over_responses = [best_of_n_responses(problem, n) for n in DRAW_COUNTS]
    over_prompts = [best_of_n_prompts(problem, n) for n in DRAW_COUNTS]
    rng = np.random.default_rng(seed)
    sampled = [sample_best_of_n(problem, n, 2000, rng, source="prompts") for n in (2, 8, 32)]

    with paper_style():
        figure, axes = new_figure(width=4.0, height=2.8)
        axis = axes[0, 0]
        axis.plot(fine_tuning.kl, fine_tuning.reward, label="fine-tuning frontier")
        axis.plot(prompting.kl, prompting.reward, label="prompt optimization frontier")
        axis.plot([float(r.kl) for r in over_responses], [float(r.reward) for r in over_responses], "o-", markersize=3,
                  label="best-of-n over responses (exact)")
        axis.plot([float(r.kl) for r in over_prompts], [float(r.reward) for r in over_prompts], "s-", markersize=3,
                  label="best-of-n over prompts (exact)")
        axis.errorbar([float(s.exact.kl) for s in sampled], [s.reward for s in sampled], yerr=[s.reward_half_width for s in sampled],
                      fmt="x", color="black", label="best-of-n over prompts (2,000 draws, 95% CI)")
        axis.set_xlabel("expected KL to the reference (nats)")
        axis.set_ylabel("expected reward J")
        axis.set_title("Best-of-n and prompt optimization at equal KL")
        axis.legend(loc="lower right")
        return save_figure(figure, out_dir, "best_of_n")


def plot_learning_curves(problem: TabularProblem, beta: float, lam: float, out_dir: Path, seed: int) -> list[Path]:
    """Plot each learner's distance to its closed form against the number of samples."""
    curves = learning_curves(problem, beta, lam, seed)
    # The starting point (0 samples) has no place on a log axis.
    curves = curves[curves["samples"] > 0]

    with paper_style():
        figure, axes = new_figure(width=6.8, height=2.8)
        axis = axes[0, 0]
        for learner, rows in curves.groupby("learner", sort=False):
            axis.plot(rows["samples"], rows["distance"], label=f"{learner}: {rows['metric'].iloc[0]}")
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel("samples used")
        axis.set_ylabel("distance to the closed form")
        axis.set_title(f"Learning curves (β = {beta:g}, λ = {lam:g})")
        axis.legend(loc="center left", bbox_to_anchor=(1.02, 0.5))
        return save_figure(figure, out_dir, "learning_curves")


def plot_finite_sample_coverage(problem: TabularProblem, lam: float, delta: float, out_dir: Path, seed: int) -> list[Path]:
    """Plot the empirical coverage of ε_N and the objective gap against 2ε_N, for N from 1 to 4,096."""
    sample_sizes = [int(n) for n in 2 ** np.arange(0, 13, 2)]
    table = finite_sample_coverage(problem, lam, sample_sizes, delta, 200, np.random.default_rng(seed))

    with paper_style():
        figure, axes = new_figure(n_columns=2, width=3.2, height=2.6)
        left, right = axes[0, 0], axes[0, 1]
        errors = [table["coverage"] - table["coverage_low"], table["coverage_high"] - table["coverage"]]
        left.errorbar(table["n_samples"], table["coverage"], yerr=errors, fmt="o-", markersize=3, label="empirical (95% Clopper–Pearson)")
        left.axhline(1.0 - delta, color="black", linestyle=":", label=f"1 − δ = {1 - delta:g}")
        left.set_xscale("log")
        left.set_ylim(min(0.8, 1.0 - 2 * delta), 1.01)
        left.set_xlabel("responses per pair N")
        left.set_ylabel("P(max |r̄̂ − r̄| ≤ ε_N)")
        left.set_title("Hoeffding coverage")
        left.legend(loc="lower right")

        right.plot(table["n_samples"], 2 * table["epsilon"], label="2ε_N (guarantee)")
        right.plot(table["n_samples"], table["mean_objective_gap"], "o-", markersize=3, label="mean objective gap")
        right.plot(table["n_samples"], table["mean_max_error"], "s-", markersize=3, label="mean max |r̄̂ − r̄|")
        right.set_xscale("log")
        right.set_yscale("log")
        right.set_xlabel("responses per pair N")
        right.set_title(f"Plug-in prompter (λ = {lam:g})")
        right.legend(loc="lower left")
        return save_figure(figure, out_dir, "finite_sample_coverage")
