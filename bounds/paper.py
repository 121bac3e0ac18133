r"""T0, a bound on the gap in the shape of the Align-Pro paper's main theorem (our statement and proof).

.. math::

    \Delta(\beta, \lambda) \le
    \mathbb{E}_x\, \mathrm{span}(x)\, \mathrm{TV}(\pi^*_\beta(\cdot|x), \rho_0\pi_F(\cdot|x))
    - \lambda\, \mathbb{E}_x \mathrm{KL}(\rho^*_\lambda(\cdot|x) \| \rho_0(\cdot|x)).

Proof. Split Δ = [J(π*_β) − J(ρ₀π_F)] − [J(ρ*_λ π_F) − J(ρ₀π_F)]. The first bracket is at most
E_x span TV(π*_β, ρ₀π_F) by T1 (:mod:`bounds.holder`). For the second, ρ*_λ maximizes
J(ρπ_F) − λ E_x KL(ρ‖ρ₀), so it scores at least as well as ρ₀, whose KL is 0:
J(ρ*_λ π_F) − λ E_x KL(ρ*_λ‖ρ₀) ≥ J(ρ₀π_F). Subtracting gives the bound.

NOTE: Trivedi et al. (arXiv 2501.03486, AAAI 2025) state a bound of this shape, a distance between
the fine-tuned policy and the reference-induced policy minus a regularization term, but their exact
theorem and constants could not be recovered. This module states and proves its own version; its
constants are not the paper's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from bounds.divergences import expectation_over_contexts, kl_divergence
from bounds.holder import HolderBound, holder_bound
from bounds.problem import TabularProblem
from bounds.solution import GapSolution, resolve_solution


@dataclass(frozen=True)
class PaperBound:
    """The T0 bound and its two terms.

    Attributes:
        value: holder.value − regularization, the bound on Δ, shape ``(*batch)``.
        holder: E_x span TV(π*_β, ρ₀π_F) with its parts (T1 against the reference-induced policy).
        prompter_kl: KL(ρ*_λ(·|x) ‖ ρ₀(·|x)) in nats, shape ``(*batch, n)``, always finite.
        regularization: λ E_x KL(ρ*_λ ‖ ρ₀), shape ``(*batch)``.
    """

    value: np.ndarray
    holder: HolderBound
    prompter_kl: np.ndarray
    regularization: np.ndarray


def paper_gap_bound(
    problem: TabularProblem, beta: ArrayLike, lam: ArrayLike, *, solution: GapSolution | None = None
) -> PaperBound:
    """Bound Δ(β, λ) by E_x span TV(π*_β, ρ₀π_F) − λ E_x KL(ρ*_λ ‖ ρ₀) (T0, see module)."""
    solution = resolve_solution(problem, beta, lam, solution)

    holder = holder_bound(problem, solution.fine_tuned, problem.induced_reference)
    prompter_kl = kl_divergence(solution.prompter, problem.reference_prompter)

    # ρ*_λ never leaves the support of ρ₀, so the KL is finite. At λ = inf, ρ*_λ = ρ₀ and the term
    # is 0 in the limit, but the computed KL can be ~1e-18 from rounding and inf · 1e-18 = inf.
    expected = expectation_over_contexts(problem.context_probs, prompter_kl)
    lam = solution.lam
    regularization = np.where(np.isinf(lam), 0.0, np.where(np.isinf(lam), 1.0, lam) * expected)

    return PaperBound(
        value=holder.value - regularization,
        holder=holder,
        prompter_kl=prompter_kl,
        regularization=regularization,
    )
