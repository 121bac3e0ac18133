"""The bound report: the gap Δ(β, λ), its decomposition and every upper bound on it, in one call.

:func:`compute_bounds` solves both optima once (:func:`bounds.solution.solve_gap`) and evaluates
each statement on that solution. The keys of :attr:`BoundReport.bounds` are a contract shared with
the simulators and the command line:

- ``holder_tv``: T1, E_x span TV(π*_β, ρ*_λ π_F).
- ``pinsker``: T2, E_x span min(√(KL/2), 1), KL the smaller of the two directions per context.
- ``bretagnolle_huber``: T2, E_x span √(1 − e^{−KL}), same KL.
- ``coverage_prior``: T3, single-prompt coverage term + λ E_x min(log(1/ρ₀(b)), 1/(e ρ₀(b))).
- ``coverage_prior_lp``: T3 with the linear-program coverage term (only when ``lp=True``).
- ``paper_t0``: T0, E_x span TV(π*_β, ρ₀π_F) − λ E_x KL(ρ*_λ ‖ ρ₀).

Each is an upper bound on ``gap``; docs/theory.md proves them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from bounds.decomposition import decomposition_bound, lp_coverage_bound
from bounds.holder import holder_gap_bound
from bounds.paper import paper_gap_bound
from bounds.pinsker import bretagnolle_huber_gap_bound, pinsker_gap_bound
from bounds.problem import TabularProblem
from bounds.solution import solve_gap

logger = logging.getLogger(__name__)

BOUND_NAMES = ("holder_tv", "pinsker", "bretagnolle_huber", "coverage_prior", "coverage_prior_lp", "paper_t0")


@dataclass(frozen=True, eq=False)
class BoundReport:
    """The gap, its T3 parts and the upper bounds, float64 arrays of the problem's batch shape.

    Attributes:
        beta, lam: the temperatures, shape ``()`` or ``(*batch)``.
        fine_tuned_reward: J(π*_β).
        prompt_optimized_reward: J(ρ*_λ π_F).
        gap: Δ = J(π*_β) − J(ρ*_λ π_F).
        gap_coverage: J(π*_β) − E_x r̄_max(x).
        gap_prior: E_x r̄_max(x) − J(ρ*_λ π_F); gap_coverage + gap_prior = gap.
        bounds: bound name → value, keys from ``BOUND_NAMES`` (``coverage_prior_lp`` only with the LP).
    """

    beta: np.ndarray
    lam: np.ndarray
    fine_tuned_reward: np.ndarray
    prompt_optimized_reward: np.ndarray
    gap: np.ndarray
    gap_coverage: np.ndarray
    gap_prior: np.ndarray
    bounds: dict[str, np.ndarray]

    def to_dict(self) -> dict[str, Any]:
        """Return the report as JSON-ready data: floats for a single instance, nested lists for a batch."""

        def plain(array: np.ndarray) -> Any:
            return np.asarray(array, dtype=np.float64).tolist()

        return {
            "beta": plain(self.beta),
            "lam": plain(self.lam),
            "fine_tuned_reward": plain(self.fine_tuned_reward),
            "prompt_optimized_reward": plain(self.prompt_optimized_reward),
            "gap": plain(self.gap),
            "gap_coverage": plain(self.gap_coverage),
            "gap_prior": plain(self.gap_prior),
            "bounds": {name: plain(value) for name, value in self.bounds.items()},
        }


def compute_bounds(problem: TabularProblem, beta: ArrayLike, lam: ArrayLike, *, lp: bool = False) -> BoundReport:
    """Compute Δ(β, λ), its coverage/prior split and every upper bound, batched over instances.

    Args:
        problem: a tabular problem, possibly batched.
        beta: β > 0 (``inf`` allowed), shape ``()`` or ``(*batch)``.
        lam: λ > 0 (``inf`` allowed), shape ``()`` or ``(*batch)``.
        lp: also compute ``coverage_prior_lp``, one linear program per context (needs cvxpy and
            ``bounds.convex``; slow for large batches).
    """
    solution = solve_gap(problem, beta, lam)
    decomposition = decomposition_bound(problem, beta, lam, solution=solution)

    bounds = {
        "holder_tv": holder_gap_bound(problem, beta, lam, solution=solution).value,
        "pinsker": pinsker_gap_bound(problem, beta, lam, solution=solution).value,
        "bretagnolle_huber": bretagnolle_huber_gap_bound(problem, beta, lam, solution=solution).value,
        "coverage_prior": decomposition.value,
    }
    if lp:
        logger.info("solving the coverage linear programs for %d instance(s)", int(np.prod(problem.batch_shape)))
        bounds["coverage_prior_lp"] = lp_coverage_bound(problem, solution.fine_tuned) + decomposition.prior_bound
    bounds["paper_t0"] = paper_gap_bound(problem, beta, lam, solution=solution).value

    batch_shape = problem.batch_shape

    def full(array: np.ndarray) -> np.ndarray:
        return np.broadcast_to(np.asarray(array, dtype=np.float64), batch_shape).copy()

    return BoundReport(
        beta=full(solution.beta),
        lam=full(solution.lam),
        fine_tuned_reward=full(solution.fine_tuned_reward),
        prompt_optimized_reward=full(solution.prompt_optimized_reward),
        gap=full(solution.gap),
        gap_coverage=full(decomposition.gap_coverage),
        gap_prior=full(decomposition.gap_prior),
        bounds={name: full(value) for name, value in bounds.items()},
    )
