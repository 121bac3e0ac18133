r"""Evaluation of one sweep cell: the exact gap, every bound and a plug-in prompter learned from samples.

A cell (see :mod:`simulators.config`) names a family, its knobs, sizes (n, m, k), β, λ, a sample
size N and a seed. The seed fixes both the instance and the samples: the instance is drawn from
``default_rng([seed, 0])`` and the samples from ``default_rng([seed, 1])``, so a cell gives the same
rows in every run, in any process.

Rows, one per bound (tidy format), carry the cell's parameters and

- ``gap``, ``gap_coverage``, ``gap_prior``, ``fine_tuned_reward``, ``prompt_optimized_reward``;
- ``bound``, ``value``, ``slack`` = value − gap, ``ratio`` = value / gap (NaN when gap ≤ 1e-12),
  ``violated``: value < gap − :func:`simulators.experiments.bound_tolerance`;
- the plug-in prompter with N responses per pair: ``epsilon_n`` (ε_N with δ from the config and
  [a, b] = [min r, max r]), ``plugin_max_error``, ``plugin_within_epsilon``,
  ``plugin_objective_gap``, ``plugin_within_two_epsilon``, ``plugin_gap`` (J(π*_β) − J(ρ̂π_F)),
  ``plugin_holder_bound`` and ``plugin_bound_holds`` (see :func:`learned_gap_check`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from bounds import compute_bounds, hoeffding_radius, plug_in_guarantee
from simulators.config import cell_id
from simulators.experiments import bound_tolerance, learned_gap_check
from simulators.families import build_instance
from simulators.sampling import sample_prompt_values

# Gaps at or below this are treated as zero when forming the ratio bound / gap.
RATIO_GAP_FLOOR = 1e-12


def evaluate_cell(cell: dict[str, Any], *, delta: float = 0.05, lp: bool = False) -> list[dict[str, Any]]:
    """Return the tidy rows of one cell (one per bound)."""
    seed = int(cell["seed"])
    problem = build_instance(cell["family"], np.random.default_rng([seed, 0]), cell["n"], cell["m"], cell["k"], **cell["knobs"])
    beta, lam = float(cell["beta"]), float(cell["lam"])
    report = compute_bounds(problem, beta, lam, lp=lp)
    gap = float(report.gap)

    sample_rng = np.random.default_rng([seed, 1])
    estimate = sample_prompt_values(problem, int(cell["samples"]), sample_rng)
    plugin = plug_in_guarantee(problem, estimate, lam)
    reward_range = float(problem.reward.max() - problem.reward.min())
    epsilon = float(hoeffding_radius(cell["samples"], problem.n_contexts, problem.n_prompts, delta, reward_range)) if reward_range > 0 else 0.0
    learned = learned_gap_check(problem, beta, lam, plugin.prompter)

    shared = {
        "cell_id": cell_id(cell),
        "family": cell["family"],
        "knobs": ",".join(f"{name}={value:g}" for name, value in sorted(cell["knobs"].items())),
        **{f"knob_{name}": float(value) for name, value in cell["knobs"].items()},
        "n": int(cell["n"]),
        "m": int(cell["m"]),
        "k": int(cell["k"]),
        "beta": beta,
        "lam": lam,
        "samples": int(cell["samples"]),
        "seed": seed,
        "gap": gap,
        "gap_coverage": float(report.gap_coverage),
        "gap_prior": float(report.gap_prior),
        "fine_tuned_reward": float(report.fine_tuned_reward),
        "prompt_optimized_reward": float(report.prompt_optimized_reward),
        "epsilon_n": epsilon,
        "plugin_max_error": float(plugin.max_error),
        "plugin_within_epsilon": bool(plugin.max_error <= epsilon),
        "plugin_objective_gap": float(plugin.objective_gap),
        "plugin_within_two_epsilon": bool(plugin.objective_gap <= 2.0 * epsilon + float(bound_tolerance(np.asarray(0.0)))),
        "plugin_gap": learned.learned_gap,
        "plugin_holder_bound": learned.holder,
        "plugin_bound_holds": learned.holds,
    }

    tolerance = float(bound_tolerance(np.asarray(gap)))
    rows = []
    for name, value in report.bounds.items():
        value = float(value)
        rows.append(
            {
                **shared,
                "bound": name,
                "value": value,
                "slack": value - gap,
                "ratio": value / gap if gap > RATIO_GAP_FLOOR else float("nan"),
                "violated": bool(value < gap - tolerance),
            }
        )
    return rows


def evaluate_chunk(cells: list[dict[str, Any]], delta: float, lp: bool) -> list[dict[str, Any]]:
    """Return the rows of every cell of a chunk, in order (runs inside a joblib worker)."""
    rows = []
    for cell in cells:
        rows.extend(evaluate_cell(cell, delta=delta, lp=lp))
    return rows
