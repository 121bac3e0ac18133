r"""Symbolic (sympy) forms of the Gibbs optimum: closed forms, derivative and expansion identities.

Every function derives its result with sympy instead of typing it in, and returns
:class:`SymbolicForm` objects: the expression, its symbols in argument order, a ``numpy`` function
made by ``sympy.lambdify``, and LaTeX for notebooks. Outcome sets are finite and symbolic:

- :func:`two_response_optimum`: :math:`\pi^*_\beta(y_1) = q e^{r_1/\beta} / (q e^{r_1/\beta} + (1-q) e^{r_2/\beta})`,
  its log-odds shift over the reference (which simplifies to :math:`(r_1 - r_2)/\beta`), the
  optimal value :math:`\beta \log(q e^{r_1/\beta} + (1-q) e^{r_2/\beta})` and the reward.
- :func:`gibbs_mean_derivative`: for the tilt :math:`p_\lambda \propto q e^{v/\lambda}` on
  ``n_outcomes`` points, :math:`\frac{d}{d\lambda} \mathbb{E}_{p_\lambda}[v] = -\mathrm{Var}_{p_\lambda}(v)/\lambda^2`;
  the residual of that identity simplifies to 0. It holds for β and r exactly as for λ and r̄.
- :func:`large_temperature_expansion`: with :math:`t = 1/\beta`, the series of
  :math:`\mathbb{E}_{p}[r]` at t = 0 is :math:`\mathbb{E}_q[r] + t\,\mathrm{Var}_q(r) + O(t^2)`.
- :func:`gap_vanishing_ratio`: with π_ref = ρ₀π_F the first-order gap
  :math:`A/\beta - B/\lambda` (A = E_x Var_{π_ref}(r), B = E_x Var_{ρ₀}(r̄)) vanishes at
  :math:`\lambda/\beta = B/A`; :func:`first_order_gap_ratio` evaluates B/A on a problem.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from bounds.divergences import expectation_over_contexts
from bounds.problem import TabularProblem


@dataclass(frozen=True)
class SymbolicForm:
    """A sympy expression with its symbols and a numeric version.

    Attributes:
        expression: the sympy expression.
        symbols: the free symbols in the argument order of ``numeric``.
        numeric: ``sympy.lambdify(symbols, expression, "numpy")``; it broadcasts over arrays.

    NOTE: ``numeric`` evaluates the expression as written, not in log space, so forms with
    ``exp(r/β)`` overflow once r/β exceeds about 709. Use :mod:`bounds.gibbs` for such values.
    """

    expression: Any
    symbols: tuple
    numeric: Callable[..., Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        import sympy

        object.__setattr__(self, "numeric", sympy.lambdify(self.symbols, self.expression, "numpy"))

    def latex(self) -> str:
        """Return the expression as LaTeX (``sympy.latex``)."""
        import sympy

        return sympy.latex(self.expression)


@dataclass(frozen=True)
class TwoResponseForms:
    """Closed forms of fine-tuning with two responses; every form takes (r1, r2, q, beta).

    Attributes:
        probability: π*_β(y₁), with q = π_ref(y₁).
        logit_shift: log-odds of π*_β minus log-odds of q, simplified (equals (r1 − r2)/β).
        value: the optimal regularized objective β log Σ_y π_ref(y) e^{r(y)/β}.
        reward: E_{π*_β}[r].
    """

    probability: SymbolicForm
    logit_shift: SymbolicForm
    value: SymbolicForm
    reward: SymbolicForm


@dataclass(frozen=True)
class IdentityCheck:
    """Two sides of an identity and their simplified difference (0 when the identity holds)."""

    left: SymbolicForm
    right: SymbolicForm
    residual: Any


def two_response_optimum() -> TwoResponseForms:
    """Derive π*_β, its log-odds shift, the optimal value and the reward for two responses."""
    import sympy as sp

    r1, r2 = sp.symbols("r_1 r_2", real=True)
    q = sp.Symbol("q", positive=True)
    beta = sp.Symbol("beta", positive=True)
    symbols = (r1, r2, q, beta)

    partition = q * sp.exp(r1 / beta) + (1 - q) * sp.exp(r2 / beta)
    probability = q * sp.exp(r1 / beta) / partition

    # expand_log(force=True) splits log(a·b) for the positive factors; valid because 0 < q < 1.
    raw_shift = sp.log(probability / (1 - probability)) - sp.log(q / (1 - q))
    logit_shift = sp.simplify(sp.expand_log(sp.simplify(raw_shift), force=True))

    value = beta * sp.log(partition)
    reward = probability * r1 + (1 - probability) * r2
    return TwoResponseForms(*(SymbolicForm(expression, symbols) for expression in (probability, logit_shift, value, reward)))


def _tilted_moments(weights: list, values: tuple):
    """Return (mean, variance) of ``values`` under the distribution proportional to ``weights``."""
    total = sum(weights)
    mean = sum(w * v for w, v in zip(weights, values)) / total
    second = sum(w * v**2 for w, v in zip(weights, values)) / total
    return mean, second - mean**2


def gibbs_mean(n_outcomes: int = 3) -> SymbolicForm:
    """Return E_{p_λ}[v] for p_λ ∝ q e^{v/λ}; arguments (q_1..q_n, v_1..v_n, λ), q need not sum to 1."""
    import sympy as sp

    weights_symbols, values, lam = _outcome_symbols(n_outcomes)
    mean, _ = _tilted_moments([q * sp.exp(v / lam) for q, v in zip(weights_symbols, values)], values)
    return SymbolicForm(mean, (*weights_symbols, *values, lam))


def _outcome_symbols(n_outcomes: int):
    import sympy as sp

    if int(n_outcomes) < 2:
        raise ValueError(f"n_outcomes: expected at least 2 outcomes, got {n_outcomes!r}")
    weights = sp.symbols(f"q_1:{int(n_outcomes) + 1}", positive=True)
    values = sp.symbols(f"v_1:{int(n_outcomes) + 1}", real=True)
    return weights, values, sp.Symbol("lambda", positive=True)


def gibbs_mean_derivative(n_outcomes: int = 3) -> IdentityCheck:
    """Derive d/dλ E_{p_λ}[v] and compare it with −Var_{p_λ}(v)/λ²; arguments (q, v, λ)."""
    import sympy as sp

    weights_symbols, values, lam = _outcome_symbols(n_outcomes)
    symbols = (*weights_symbols, *values, lam)
    mean, variance = _tilted_moments([q * sp.exp(v / lam) for q, v in zip(weights_symbols, values)], values)

    derivative = sp.diff(mean, lam)
    claimed = -variance / lam**2

    # Both sides are rational in the exponentials, so cancel() over a common denominator decides it.
    residual = sp.cancel(sp.together(derivative - claimed))
    return IdentityCheck(SymbolicForm(derivative, symbols), SymbolicForm(claimed, symbols), residual)


def large_temperature_expansion(n_outcomes: int = 3) -> tuple[IdentityCheck, IdentityCheck]:
    """Expand E_{p}[r], p ∝ q e^{r/β}, to first order in t = 1/β and compare with E_q[r] + t Var_q(r).

    The reference is q = (q_1, …, q_{n−1}, 1 − Σ q_i) so that it sums to 1.

    Returns:
        ``(zeroth, first)``: the series coefficients of t⁰ and t¹ (``left``) against E_q[r] and
        Var_q(r) (``right``); arguments (q_1..q_{n−1}, r_1..r_n).
    """
    import sympy as sp

    weights_symbols, _, _ = _outcome_symbols(n_outcomes)
    free_weights = weights_symbols[:-1]
    rewards = sp.symbols(f"r_1:{len(weights_symbols) + 1}", real=True)
    reference = [*free_weights, 1 - sum(free_weights)]
    inverse_temperature = sp.Symbol("t", positive=True)
    symbols = (*free_weights, *rewards)

    tilted_mean, _ = _tilted_moments([q * sp.exp(inverse_temperature * r) for q, r in zip(reference, rewards)], rewards)
    series = sp.series(tilted_mean, inverse_temperature, 0, 2).removeO()
    reference_mean, reference_variance = _tilted_moments(reference, rewards)

    checks = []
    for order, claimed in ((0, reference_mean), (1, reference_variance)):
        coefficient = sp.expand(series.coeff(inverse_temperature, order))
        residual = sp.simplify(coefficient - claimed)
        checks.append(IdentityCheck(SymbolicForm(coefficient, symbols), SymbolicForm(sp.expand(claimed), symbols), residual))
    return checks[0], checks[1]


def gap_vanishing_ratio() -> SymbolicForm:
    """Solve A/β − B/λ = 0 for λ and return λ/β; arguments (B, A).

    A = E_x Var_{π_ref}(r) and B = E_x Var_{ρ₀}(r̄) are the first-order coefficients of
    J(π*_β) and J(ρ*_λπ_F) in 1/β and 1/λ; with π_ref = ρ₀π_F the zeroth-order terms cancel.
    """
    import sympy as sp

    beta, lam = sp.symbols("beta lambda", positive=True)
    prompt_variance, response_variance = sp.symbols("B A", positive=True)

    first_order_gap = response_variance / beta - prompt_variance / lam
    (lam_at_zero,) = sp.solve(sp.Eq(first_order_gap, 0), lam)
    return SymbolicForm(sp.simplify(lam_at_zero / beta), (prompt_variance, response_variance))


def _expected_variance(context_probs: np.ndarray, reference: np.ndarray, values: np.ndarray) -> np.ndarray:
    mean = (reference * values).sum(axis=-1, keepdims=True)
    variance = (reference * (values - mean) ** 2).sum(axis=-1)
    return expectation_over_contexts(context_probs, variance)


def first_order_gap_ratio(problem: TabularProblem) -> np.ndarray:
    """Return λ/β = E_x Var_{ρ₀}(r̄) / E_x Var_{π_ref}(r) at which the gap vanishes to first order.

    Shape ``(*batch)``. The ratio is at most 1 when π_ref = ρ₀π_F (law of total variance). It is
    inf or NaN where the rewards are constant under π_ref.
    """
    prompt_variance = _expected_variance(problem.context_probs, problem.reference_prompter, problem.prompt_values)
    response_variance = _expected_variance(problem.context_probs, problem.reference_policy, problem.reward)

    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(gap_vanishing_ratio().numeric(prompt_variance, response_variance), dtype=np.float64)
