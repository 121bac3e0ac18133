r"""Independent convex-solver (cvxpy) solutions of the tabular problems, for cross-checks.

The closed forms of :mod:`bounds.optima` are derived by hand. This module solves the same
problems numerically, with no Gibbs formula inside, so that tests and benchmarks can compare two
independent routes to one answer:

- KL-regularized maximization over a row-stochastic matrix :math:`p` (one row per context),

  .. math::

      \max_{p} \; \sum_x w_x \Big( \langle p_x, v_x \rangle - \tau\, \mathrm{KL}(p_x \| q_x) \Big),

  solved with ``cp.rel_entr`` (an exponential-cone program). Fine-tuning uses
  :math:`(q, v, \tau) = (\pi_{ref}, r, \beta)`, prompt optimization :math:`(\rho_0, \bar r, \lambda)`.
- The same with a KL budget instead of a penalty:
  :math:`\max_p \sum_x P(x) \langle p_x, v_x\rangle` subject to :math:`\sum_x P(x)\,\mathrm{KL}(p_x\|q_x) \le \varepsilon`.
- The coverage linear program of the coverage + prior decomposition:
  :math:`\min_{w \in \Delta(S_x)} \mathrm{TV}(\pi_x, w^\top \pi_F)` for each context, where
  :math:`S_x` is the support of :math:`\rho_0(\cdot|x)`.

where :math:`w_x` is the context weight, :math:`q` the reference, :math:`v` the values and
:math:`\tau` the temperature. Every function takes a single (unbatched) instance, uses CLARABEL
and falls back to SCS, and raises ``RuntimeError`` naming the problem, the solver status and the
knob to try when neither solver reaches an optimal status. cvxpy is imported inside the functions
so that ``import bounds`` stays fast.
"""

from __future__ import annotations

import logging
import warnings

import numpy as np
from numpy.typing import ArrayLike

from bounds._validation import as_float_array, check_distribution, check_shape, check_temperature
from bounds.divergences import total_variation
from bounds.problem import TabularProblem

logger = logging.getLogger(__name__)

# Interior-point solutions of exponential-cone programs are accurate to about the square root of
# the duality gap. So CLARABEL first runs with tolerances tighter than its defaults (1e-8), and a
# smaller static regularization keeps those runs from ending as "optimal_inaccurate". Measured on
# random 8 x 32 instances (Clarabel 0.11.1 through cvxpy 1.9.3): policies within about 5e-6 of the
# closed form, values within 1e-9.
_CLARABEL_TIGHT = {
    "tol_gap_abs": 1e-10,
    "tol_gap_rel": 1e-10,
    "tol_feas": 1e-10,
    "tol_ktratio": 1e-8,
    "static_regularization_constant": 1e-13,
    "max_iter": 400,
}
# SCS is a first-order method, and these tolerances make it accurate enough for value comparisons.
_SCS_OPTIONS = {"eps_abs": 1e-9, "eps_rel": 1e-9, "max_iters": 200_000}


def _solve(problem, name: str, knob: str) -> str:
    """Solve a cvxpy problem: CLARABEL with tight, then default tolerances, then SCS.

    Returns the name of the run that reached an optimal status, or raises ``RuntimeError`` listing
    every status seen and the knob to try.
    """
    import cvxpy as cp

    attempts = (("CLARABEL (tight)", cp.CLARABEL, _CLARABEL_TIGHT), ("CLARABEL", cp.CLARABEL, {}), ("SCS", cp.SCS, _SCS_OPTIONS))
    statuses = []
    for label, solver, options in attempts:
        try:
            # cvxpy warns "Solution may be inaccurate" on an inaccurate status, which is checked below
            # and leads to the next run, so the warning would only repeat that in the log.
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message="Solution may be inaccurate", category=UserWarning)
                problem.solve(solver=solver, **options)
        except cp.error.SolverError as error:
            statuses.append(f"{label}: solver error ({error})")
            logger.warning("%s: %s failed with a solver error, trying the next run: %s", name, label, error)
            continue

        if problem.status == cp.OPTIMAL:
            return label
        statuses.append(f"{label}: status {problem.status}")
        logger.info("%s: %s ended with status %s, trying the next run", name, label, problem.status)

    raise RuntimeError(f"{name}: no solver reached an optimal status ({'; '.join(statuses)}); {knob}")


def _check_single(problem: TabularProblem, name: str) -> None:
    if problem.batch_shape:
        raise ValueError(
            f"problem: {name} takes a single instance, got batch shape {problem.batch_shape}; "
            "select one with problem.instance(i)"
        )


def _check_finite_temperature(name: str, value: ArrayLike) -> float:
    """Return a scalar temperature that is finite and > 0 (the solver needs a finite coefficient)."""
    temperature = check_temperature(name, value)
    if temperature.ndim != 0 or not np.isfinite(temperature):
        raise ValueError(
            f"{name}: expected a finite scalar > 0, got {temperature!r}; at {name} = inf the optimum is the reference itself"
        )
    return float(temperature)


def _support_layout(reference: np.ndarray):
    """Return the (row, column) indices of the support of q and the row-indicator matrix (n, nnz)."""
    import scipy.sparse

    rows, columns = np.nonzero(reference > 0)
    indicator = scipy.sparse.csr_matrix((np.ones(rows.size), (rows, np.arange(rows.size))), shape=(reference.shape[0], rows.size))
    return rows, columns, indicator


def _scatter(shape: tuple[int, int], rows: np.ndarray, columns: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Place the support entries found by the solver into a full matrix, clipped and renormalized.

    The solver leaves entries at about -1e-10; clipping and renormalizing keeps rows on the simplex.
    """
    full = np.zeros(shape)
    full[rows, columns] = np.maximum(values, 0.0)
    return full / full.sum(axis=-1, keepdims=True)


def _solve_regularized(context_probs, reference, values, temperature: float, name: str):
    """Maximize Σ_x P(x) (⟨p_x, v_x⟩ − τ KL(p_x‖q_x)) over rows on the support of q.

    The objective separates across contexts, so each row has the same optimum for any positive
    weight. The solve gives every row weight 1: this keeps the row optimum unique where P(x) = 0
    and keeps small P(x) from shrinking the objective below the solver tolerance. The returned
    value is weighted by P.
    """
    import cvxpy as cp

    rows, columns, indicator = _support_layout(reference)
    mass = cp.Variable(rows.size, nonneg=True)

    gain = cp.multiply(values[rows, columns], mass) - temperature * cp.rel_entr(mass, reference[rows, columns])
    per_context = indicator @ gain
    program = cp.Problem(cp.Maximize(cp.sum(per_context)), [indicator @ mass == 1])

    _solve(program, name, "rescale the values or raise the temperature; tiny temperatures make exp(v/τ) span many decades")

    distribution = _scatter(reference.shape, rows, columns, mass.value)
    value = float(context_probs @ per_context.value)
    return distribution, value


def solve_fine_tuning(problem: TabularProblem, beta: float) -> tuple[np.ndarray, float]:
    """Solve max_π J(π) − β E_x KL(π‖π_ref) with cvxpy; return (π of shape (n, k), optimal value).

    A single (unbatched) instance and a finite scalar β > 0.
    """
    _check_single(problem, "solve_fine_tuning")
    beta = _check_finite_temperature("beta", beta)

    return _solve_regularized(problem.context_probs, problem.reference_policy, problem.reward, beta, "fine-tuning (cvxpy)")


def solve_prompt_optimization(problem: TabularProblem, lam: float) -> tuple[np.ndarray, float]:
    """Solve max_ρ E_x E_ρ[r̄] − λ E_x KL(ρ‖ρ₀) with cvxpy; return (ρ of shape (n, m), optimal value).

    A single (unbatched) instance and a finite scalar λ > 0.
    """
    _check_single(problem, "solve_prompt_optimization")
    lam = _check_finite_temperature("lam", lam)

    return _solve_regularized(
        problem.context_probs, problem.reference_prompter, problem.prompt_values, lam, "prompt optimization (cvxpy)"
    )


def _solve_budgeted(context_probs, reference, values, epsilon: float, name: str):
    """Maximize Σ_x P(x) ⟨p_x, v_x⟩ subject to Σ_x P(x) KL(p_x‖q_x) ≤ ε; return (p, reward, kl).

    This problem leaves the rows of contexts with zero weight free, so they are returned as the
    reference row. NOTE: the bisection of :mod:`bounds.constrained` returns the Gibbs tilt there.
    """
    import cvxpy as cp

    rows, columns, indicator = _support_layout(reference)
    mass = cp.Variable(rows.size, nonneg=True)

    reward = context_probs @ (indicator @ cp.multiply(values[rows, columns], mass))
    kl = context_probs @ (indicator @ cp.rel_entr(mass, reference[rows, columns]))
    program = cp.Problem(cp.Maximize(reward), [indicator @ mass == 1, kl <= epsilon])

    _solve(program, name, "a budget near 0 or near the largest reachable KL is hard for the solver; move it inside that range")

    distribution = _scatter(reference.shape, rows, columns, mass.value)
    distribution[context_probs == 0] = reference[context_probs == 0]
    return distribution, float(reward.value), float(kl.value)


def _check_budget(epsilon: ArrayLike) -> float:
    budget = as_float_array("epsilon", epsilon)
    if budget.ndim != 0 or not np.isfinite(budget) or budget < 0:
        raise ValueError(f"epsilon: expected a finite scalar KL budget ≥ 0 in nats, got {budget!r}")
    return float(budget)


def solve_fine_tuning_under_budget(problem: TabularProblem, epsilon: float) -> tuple[np.ndarray, float, float]:
    """Solve max_π J(π) s.t. E_x KL(π‖π_ref) ≤ ε with cvxpy; return (π (n, k), J(π), E_x KL).

    A single (unbatched) instance and a scalar budget ε ≥ 0 in nats.
    """
    _check_single(problem, "solve_fine_tuning_under_budget")
    epsilon = _check_budget(epsilon)

    return _solve_budgeted(
        problem.context_probs, problem.reference_policy, problem.reward, epsilon, "fine-tuning under a KL budget (cvxpy)"
    )


def solve_prompt_optimization_under_budget(problem: TabularProblem, epsilon: float) -> tuple[np.ndarray, float, float]:
    """Solve max_ρ J(ρπ_F) s.t. E_x KL(ρ‖ρ₀) ≤ ε with cvxpy; return (ρ (n, m), J(ρπ_F), E_x KL).

    A single (unbatched) instance and a scalar budget ε ≥ 0 in nats.
    """
    _check_single(problem, "solve_prompt_optimization_under_budget")
    epsilon = _check_budget(epsilon)

    return _solve_budgeted(
        problem.context_probs,
        problem.reference_prompter,
        problem.prompt_values,
        epsilon,
        "prompt optimization under a KL budget (cvxpy)",
    )


def _check_coverage_inputs(policy, target_policy, support):
    policy = as_float_array("policy", policy)
    target_policy = as_float_array("target_policy", target_policy)
    if policy.ndim != 2:
        raise ValueError(f"policy: expected shape (n, k) for one instance, got {policy.shape}; loop over batch axes")
    if target_policy.ndim != 2:
        raise ValueError(f"target_policy: expected shape (m, k) for one instance, got {target_policy.shape}")

    (n, k), m = policy.shape, target_policy.shape[0]
    check_shape("target_policy", target_policy, (m, k), "(m, k)")
    check_distribution("policy", policy)
    check_distribution("target_policy", target_policy)

    support = np.asarray(support)
    if support.dtype != np.bool_:
        raise ValueError(
            f"support: expected a boolean array, got dtype {support.dtype}; pass e.g. reference_prompter > 0"
        )
    check_shape("support", support, (n, m), "(n, m)")
    empty = ~support.any(axis=-1)
    if empty.any():
        raise ValueError(
            f"support: row {int(np.argmax(empty))} has no prompt; every context needs at least one allowed prompt"
        )

    return policy, target_policy, support


def coverage_distance_lp(policy: ArrayLike, target_policy: ArrayLike, support: ArrayLike) -> np.ndarray:
    r"""Return, per context, the TV distance from π(·|x) to the hull of the allowed target rows.

    .. math::

        d(x) = \min_{w \in \Delta(S_x)} \tfrac12 \big\| \pi(\cdot|x) - \textstyle\sum_{x' \in S_x} w_{x'} \pi_F(\cdot|x') \big\|_1,

    where :math:`S_x = \{x' : \text{support}[x, x']\}` (usually the support of ρ₀(·|x)). The
    absolute values become auxiliary variables t ≥ ±(π − wπ_F), which makes it a linear program.
    All contexts are solved in one program because the objective separates across them.

    Args:
        policy: π of shape ``(n, k)``, rows on the simplex (e.g. π*_β).
        target_policy: π_F of shape ``(m, k)``, rows on the simplex.
        support: boolean array of shape ``(n, m)`` with at least one True per row.

    Returns:
        Array of shape ``(n,)`` in [0, 1]. Each entry is the exact TV distance to the mixture the
        solver found (after clipping its weights onto the simplex), so it is never below the true
        minimum and exceeds it by at most the solver tolerance (about 1e-8).
    """
    import cvxpy as cp

    policy, target_policy, support = _check_coverage_inputs(policy, target_policy, support)
    n, m = support.shape

    weights = cp.Variable((n, m), nonneg=True)
    slack = cp.Variable(policy.shape, nonneg=True)
    difference = policy - weights @ target_policy
    constraints = [cp.sum(weights, axis=1) == 1, slack >= difference, slack >= -difference]
    if not support.all():
        constraints.append(weights[~support] == 0)
    program = cp.Problem(cp.Minimize(0.5 * cp.sum(slack)), constraints)

    _solve(program, "coverage distance LP", "check that policy and target_policy rows are normalized")

    mixture_weights = np.where(support, np.maximum(weights.value, 0.0), 0.0)
    mixture_weights /= mixture_weights.sum(axis=-1, keepdims=True)
    return total_variation(policy, mixture_weights @ target_policy)
