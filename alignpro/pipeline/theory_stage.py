"""Stage (a) of ``align-pro reproduce``: check every statement of :mod:`bounds` on random instances.

For each family of :mod:`simulators.families`, one batch of random instances is drawn and solved
with :func:`bounds.compute_bounds` at every (β, λ) of the preset. The stage records, per instance and bound,
the bound, the exact gap Δ and whether the bound is below Δ (a violation), then five checks:

- ``bounds_hold``: no bound is below Δ by more than :func:`simulators.experiments.bound_tolerance`.
- ``t8_identity``: the Jeffreys form of the gap (:func:`bounds.jeffreys_gap`) equals Δ.
- ``reduction``: on the identity family (π_F = I) with λ = β, Δ = 0.
- ``t1_tight``: on the adversarial family with β ≤ its ``design_beta``, the Hölder bound equals Δ.
- ``t4_frontier``: with π_ref = ρ₀π_F (dirichlet family), the prompt-optimization frontier lies on or
  below the fine-tuning frontier at every KL budget (:func:`bounds.frontier_at_budget`).

Outputs in ``theory/``: ``rows.parquet`` (one row per family, β, λ, instance and bound) and
``checks.json``.
"""

from __future__ import annotations

import itertools
import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from alignpro.pipeline.presets import THEORY_FAMILIES, TheorySizes

logger = logging.getLogger(__name__)

# Identities (T8, the reduction, T1 tightness) compare two float64 sums of O(nk) terms of order one;
# 1e-9 · (1 + |Δ|) is far above their rounding error and far below any real discrepancy.
IDENTITY_TOLERANCE = 1e-9
# The KL-budget solutions meet their budget to about 1e-9 (brentq on the temperature), and the
# reward moves by at most 1/τ times that, so the frontier order is checked to 1e-8.
FRONTIER_TOLERANCE = 1e-8


def _draw(family: str, sizes: TheorySizes, index: int):
    """Draw the batch of instances of one family, seeded by the preset seed and the family's position."""
    from simulators.families import build_instance

    m = sizes.k if family == "identity" else sizes.m
    rng = np.random.default_rng([sizes.seed, index])
    return build_instance(family, rng, sizes.n, m, sizes.k, batch=(sizes.instances,))


def _bound_rows(family: str, beta: float, lam: float, report, tolerance) -> list[dict[str, Any]]:
    """Return one row per instance and bound of a batched :class:`bounds.BoundReport`."""
    from simulators.sweep import TIGHTNESS_GAP_FLOOR

    rows = []
    gap = report.gap
    for bound, values in report.bounds.items():
        for instance, (value, gap_value) in enumerate(zip(values, gap)):
            rows.append({
                "family": family,
                "beta": beta,
                "lam": lam,
                "instance": instance,
                "bound": bound,
                "value": float(value),
                "gap": float(gap_value),
                "ratio": float(value / gap_value) if gap_value > TIGHTNESS_GAP_FLOOR else np.nan,
                "violated": bool(value < gap_value - tolerance(gap_value)),
            })
    return rows


def _check(name: str, statement: str, passed: bool, detail: str, worst: float) -> dict[str, Any]:
    return {"check": name, "statement": statement, "passed": bool(passed), "detail": detail, "worst": float(worst)}


def _relative_error(left: np.ndarray, right: np.ndarray) -> float:
    """Return max |left − right| / (1 + |right|), the scale used by every identity check."""
    return float(np.max(np.abs(left - right) / (1.0 + np.abs(right))))


def _frontier_check(problem, sizes: TheorySizes) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return the T4 check and the per-budget differences (fine-tuning − prompt reward) for the figure."""
    from bounds import frontier_at_budget

    budgets = np.logspace(-3, np.log10(3.0), sizes.frontier_budgets)
    frontier = frontier_at_budget(problem, budgets)
    advantage = frontier.fine_tuning_reward - frontier.prompt_reward
    worst = float(advantage.min())
    check = _check(
        "t4_frontier",
        "T4: with π_ref = ρ₀π_F, max{J(ρπ_F) : KL(ρ‖ρ₀) ≤ ε} ≤ max{J(π) : KL(π‖π_ref) ≤ ε} at every budget ε",
        worst >= -FRONTIER_TOLERANCE,
        f"{advantage.size} (budget, instance) pairs on the dirichlet family; smallest advantage of fine-tuning {worst:.3g}",
        worst,
    )
    curve = {
        "budget": budgets.tolist(),
        "advantage_median": np.median(advantage, axis=1).tolist(),
        "advantage_min": advantage.min(axis=1).tolist(),
        "advantage_max": advantage.max(axis=1).tolist(),
    }
    return check, curve


def run_theory_stage(sizes: TheorySizes, out_dir: Path) -> dict[str, Any]:
    """Run the checks, write ``theory/rows.parquet`` and ``theory/checks.json``, and return the checks."""
    from bounds import compute_bounds, jeffreys_gap
    from simulators.experiments import bound_tolerance
    from simulators.families import family_knobs

    stage_dir = out_dir / "theory"
    stage_dir.mkdir(parents=True, exist_ok=True)
    design_beta = family_knobs("adversarial")["design_beta"]

    rows: list[dict[str, Any]] = []
    t8_errors, tight_errors = [], []
    for index, family in enumerate(THEORY_FAMILIES):
        problem = _draw(family, sizes, index)
        for beta, lam in itertools.product(sizes.betas, sizes.lams):
            report = compute_bounds(problem, beta, lam, lp=sizes.lp)
            rows += _bound_rows(family, beta, lam, report, bound_tolerance)
            t8_errors.append(_relative_error(jeffreys_gap(problem, beta, lam).gap, report.gap))
            if family == "adversarial" and beta <= design_beta:
                tight_errors.append(_relative_error(report.bounds["holder_tv"], report.gap))
        logger.info("theory: family %s checked on %d instances", family, sizes.instances)

    identity = _draw("identity", sizes, THEORY_FAMILIES.index("identity"))
    reduction_gaps = np.stack([compute_bounds(identity, beta, beta).gap for beta in sizes.betas])
    frontier, frontier_curve = _frontier_check(_draw("dirichlet", sizes, 0), sizes)

    table = pd.DataFrame(rows)
    violations = table.groupby("bound")["violated"].sum()
    worst_t8 = max(t8_errors)
    worst_reduction = float(np.max(np.abs(reduction_gaps)))
    checks = [
        _check(
            "bounds_hold",
            "every bound is at least the exact gap Δ(β, λ)",
            int(violations.sum()) == 0,
            f"{len(table)} (instance, bound) pairs; violations per bound: " + ", ".join(f"{name} {int(count)}" for name, count in violations.items()),
            float(violations.sum()),
        ),
        _check("t8_identity", "T8: Δ = [J(π_ref) − J(ρ₀π_F)] + β E D_J(π*_β, π_ref) − λ E D_J(ρ*_λ, ρ₀)", worst_t8 <= IDENTITY_TOLERANCE,
               f"largest relative difference {worst_t8:.3g} over every family and (β, λ)", worst_t8),
        _check("reduction", "with π_F the identity and λ = β, Δ = 0", worst_reduction <= IDENTITY_TOLERANCE,
               f"largest |Δ| {worst_reduction:.3g} over {reduction_gaps.size} instances", worst_reduction),
        _check("t1_tight", f"T1 is attained: on the adversarial family with β ≤ {design_beta:g}, the Hölder bound equals Δ",
               bool(tight_errors) and max(tight_errors) <= IDENTITY_TOLERANCE,
               f"largest relative difference {max(tight_errors, default=float('nan')):.3g}" if tight_errors else f"no β ≤ {design_beta:g} in the grid",
               max(tight_errors, default=float("nan"))),
        frontier,
    ]

    table.to_parquet(stage_dir / "rows.parquet", index=False)
    result = {"checks": checks, "frontier": frontier_curve, "sizes": {"instances": sizes.instances, "n": sizes.n, "m": sizes.m, "k": sizes.k}}
    (stage_dir / "checks.json").write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    for check in checks:
        logger.info("theory check %s: %s (%s)", check["check"], "passed" if check["passed"] else "FAILED", check["detail"])
    return result
