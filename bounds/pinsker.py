r"""T2, bounds on the gap through a KL divergence: Pinsker and Bretagnolle–Huber.

For distributions p, q on a finite set, both of these hold with KL in either direction:

.. math::

    \mathrm{TV}(p, q) \le \sqrt{\mathrm{KL}/2} \quad\text{(Pinsker)}, \qquad
    \mathrm{TV}(p, q) \le \sqrt{1 - e^{-\mathrm{KL}}} \quad\text{(Bretagnolle–Huber)}.

Inserted into T1 (:mod:`bounds.holder`) with p = π*_β and q = ρ*_λ π_F they give
Δ ≤ E_x span(x) · t(KL(x)) for either function t. Since TV ≤ 1 always, a TV bound never needs to
exceed 1: the Pinsker form is capped at 1, which also makes KL = inf (p has mass where q has none)
give the trivial TV bound 1 instead of inf. Bretagnolle–Huber is below 1 by construction and equals
1 at KL = inf. Pinsker is the tighter of the two for small KL, Bretagnolle–Huber for large KL.

``direction`` chooses KL(π*_β ‖ ρ*_λ π_F) (``"forward"``), KL(ρ*_λ π_F ‖ π*_β) (``"reverse"``) or,
per context, the smaller of the two (``"min"``), which is valid because each direction is.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from bounds.divergences import expectation_over_contexts
from bounds.problem import TabularProblem
from bounds.solution import GapSolution, resolve_solution, reward_span

DIRECTIONS = ("forward", "reverse", "min")


@dataclass(frozen=True)
class KLGapBound:
    """A T2 bound E_x span(x) t(KL(x)) and its parts.

    Attributes:
        value: the bound on Δ, shape ``(*batch)``.
        span: span(x), shape ``(*batch, n)``.
        kl: the KL divergence used per context in nats, shape ``(*batch, n)`` (may be inf).
        tv_bound: t(KL(x)) ∈ [0, 1], the bound on TV per context, shape ``(*batch, n)``.
    """

    value: np.ndarray
    span: np.ndarray
    kl: np.ndarray
    tv_bound: np.ndarray


def pinsker_tv_bound(kl: ArrayLike) -> np.ndarray:
    """Return min(√(KL/2), 1), Pinsker's bound on TV capped at the trivial bound 1 (KL = inf gives 1)."""
    kl = np.asarray(kl, dtype=np.float64)
    return np.minimum(np.sqrt(kl / 2.0), 1.0)


def bretagnolle_huber_tv_bound(kl: ArrayLike) -> np.ndarray:
    """Return √(1 − e^{−KL}), the Bretagnolle–Huber bound on TV (``expm1`` keeps small KL accurate)."""
    kl = np.asarray(kl, dtype=np.float64)
    return np.sqrt(-np.expm1(-kl))


def _gap_kl(solution: GapSolution, direction: str) -> np.ndarray:
    """Return the per-context KL between π*_β and ρ*_λ π_F in the requested direction."""
    if direction not in DIRECTIONS:
        raise ValueError(f"direction: got {direction!r}; use one of {', '.join(DIRECTIONS)}")

    if direction == "forward":
        return solution.forward_kl
    if direction == "reverse":
        return solution.reverse_kl
    return np.minimum(solution.forward_kl, solution.reverse_kl)


def _kl_gap_bound(solution: GapSolution, direction: str, tv_bound_of_kl) -> KLGapBound:
    problem = solution.problem
    span = reward_span(problem.reward)
    kl = _gap_kl(solution, direction)
    tv_bound = tv_bound_of_kl(kl)

    value = expectation_over_contexts(problem.context_probs, span * tv_bound)
    return KLGapBound(value=value, span=span, kl=kl, tv_bound=tv_bound)


def pinsker_gap_bound(
    problem: TabularProblem,
    beta: ArrayLike,
    lam: ArrayLike,
    *,
    direction: str = "min",
    solution: GapSolution | None = None,
) -> KLGapBound:
    """Bound Δ(β, λ) by E_x span(x) min(√(KL(x)/2), 1), KL between π*_β and ρ*_λ π_F (see module)."""
    solution = resolve_solution(problem, beta, lam, solution)
    return _kl_gap_bound(solution, direction, pinsker_tv_bound)


def bretagnolle_huber_gap_bound(
    problem: TabularProblem,
    beta: ArrayLike,
    lam: ArrayLike,
    *,
    direction: str = "min",
    solution: GapSolution | None = None,
) -> KLGapBound:
    """Bound Δ(β, λ) by E_x span(x) √(1 − e^{−KL(x)}), KL between π*_β and ρ*_λ π_F (see module)."""
    solution = resolve_solution(problem, beta, lam, solution)
    return _kl_gap_bound(solution, direction, bretagnolle_huber_tv_bound)
