"""Tests of bounds.paper (T0)."""

import numpy as np
from hypothesis import given, settings

from bounds import compute_bounds, expected_kl, holder_bound, paper_gap_bound, solve_gap
from tabular_instances import problems, random_problem

# See test_report.py: 1e-8 of the reward scale bounds float64 rounding of the expected rewards.
SCALE_RTOL = 1e-8


@settings(deadline=None, max_examples=50)
@given(problems())
def test_paper_bound_at_least_gap(case):
    problem, beta, lam, scale = case
    solution = solve_gap(problem, beta, lam)
    bound = paper_gap_bound(problem, beta, lam, solution=solution)

    assert np.isfinite(bound.value)
    assert bound.value >= solution.gap - SCALE_RTOL * scale


def test_paper_bound_terms():
    problem = random_problem(np.random.default_rng(0), 4, 5, 6, batch=(3,))
    bound = paper_gap_bound(problem, 0.3, 0.2)
    solution = solve_gap(problem, 0.3, 0.2)

    holder = holder_bound(problem, solution.fine_tuned, problem.induced_reference)
    kl = expected_kl(problem, solution.prompter, problem.reference_prompter)
    # Same arithmetic in a different order: only the last bits may differ.
    assert np.allclose(bound.holder.value, holder.value, rtol=0, atol=1e-14)
    assert np.allclose(bound.regularization, 0.2 * kl, rtol=0, atol=1e-14)
    assert np.allclose(bound.value, holder.value - 0.2 * kl, rtol=0, atol=1e-14)


def test_paper_bound_infinite_lam():
    problem = random_problem(np.random.default_rng(1), 3, 3, 3)
    bound = paper_gap_bound(problem, 0.5, np.inf)

    assert bound.regularization == 0.0
    assert np.isfinite(bound.value)


def test_paper_bound_in_report():
    problem = random_problem(np.random.default_rng(2), 3, 4, 5, batch=(2,))
    report = compute_bounds(problem, 0.7, 0.1)

    assert np.array_equal(report.bounds["paper_t0"], paper_gap_bound(problem, 0.7, 0.1).value)
