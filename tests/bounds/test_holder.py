"""Tests of bounds.holder (T1) and bounds.pinsker (T2)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bounds import (
    TabularProblem,
    bretagnolle_huber_gap_bound,
    bretagnolle_huber_tv_bound,
    expected_reward,
    holder_bound,
    holder_gap_bound,
    kl_divergence,
    pinsker_gap_bound,
    pinsker_tv_bound,
    solve_gap,
    tight_holder_problem,
    tight_holder_reward,
    total_variation,
)
from tabular_instances import problems, random_problem

# See test_report.py: |r| < 10·scale and sums of ≤ 36 terms, so 1e-8 of the scale bounds rounding.
SCALE_RTOL = 1e-8


@settings(deadline=None, max_examples=40)
@given(problems(), st.integers(0, 2**32 - 1))
def test_holder_any_policy_pair(case, seed):
    problem, _, _, scale = case
    rng = np.random.default_rng(seed)
    shape = (problem.n_contexts, problem.n_responses)
    p, q = rng.dirichlet(np.ones(shape[-1]), size=shape[:-1]), rng.dirichlet(np.ones(shape[-1]), size=shape[:-1])

    difference = abs(expected_reward(problem, p) - expected_reward(problem, q))
    assert difference <= holder_bound(problem, p, q).value + SCALE_RTOL * scale


@pytest.mark.parametrize("seed", range(5))
def test_holder_tight_reward_attains_equality(seed):
    rng = np.random.default_rng(seed)
    problem = random_problem(rng, 4, 3, 6)
    p = rng.dirichlet(np.ones(6), size=4)
    q = rng.dirichlet(np.ones(6), size=4)
    tight = tight_holder_problem(problem, p, q)

    gap = expected_reward(tight, p) - expected_reward(tight, q)
    bound = holder_bound(tight, p, q)
    # Rewards are 0/1 and probabilities O(1): only rounding of two short sums separates them.
    assert abs(gap - bound.value) <= 1e-12
    assert np.all(bound.span == 1.0)


def test_holder_tight_reward_equal_policies():
    p = np.array([[0.2, 0.8], [0.5, 0.5]])
    reward = tight_holder_reward(p, p, low=-1.0, high=2.0)

    assert np.all(reward == -1.0)


def test_holder_tight_reward_rejects_bad_range():
    with pytest.raises(ValueError, match="low, high.*low=1"):
        tight_holder_reward(np.ones((1, 2)) / 2, np.ones((1, 2)) / 2, low=1.0, high=1.0)


def test_holder_gap_bound_parts():
    problem = random_problem(np.random.default_rng(9), 3, 4, 5, batch=(2,))
    solution = solve_gap(problem, 0.4, 0.3)
    bound = holder_gap_bound(problem, 0.4, 0.3, solution=solution)

    assert np.allclose(bound.tv, total_variation(solution.fine_tuned, solution.induced), rtol=0, atol=0)
    expected = (problem.context_probs * bound.span * bound.tv).sum(axis=-1)
    # Same sum in another order.
    assert np.allclose(bound.value, expected, rtol=0, atol=1e-15)


def test_solution_mismatch_rejected():
    problem = random_problem(np.random.default_rng(10), 2, 2, 2)
    solution = solve_gap(problem, 0.4, 0.3)

    with pytest.raises(ValueError, match="beta"):
        holder_gap_bound(problem, 0.5, 0.3, solution=solution)
    with pytest.raises(ValueError, match="another problem"):
        holder_gap_bound(random_problem(np.random.default_rng(10), 2, 2, 2), 0.4, 0.3, solution=solution)


@settings(deadline=None, max_examples=60)
@given(st.integers(1, 6), st.integers(0, 2**32 - 1), st.floats(0.01, 5.0))
def test_pinsker_and_bh_bound_tv(k, seed, concentration):
    rng = np.random.default_rng(seed)
    p, q = rng.dirichlet(np.full(k, concentration), size=2)
    tv = total_variation(p, q)

    # TV is computed exactly up to rounding of k ≤ 6 terms.
    for kl in (kl_divergence(p, q), kl_divergence(q, p)):
        assert tv <= pinsker_tv_bound(kl) + 1e-12
        assert tv <= bretagnolle_huber_tv_bound(kl) + 1e-12


def test_tv_bounds_at_infinite_kl():
    assert pinsker_tv_bound(np.inf) == 1.0
    assert bretagnolle_huber_tv_bound(np.inf) == 1.0
    assert pinsker_tv_bound(0.0) == 0.0
    assert bretagnolle_huber_tv_bound(0.0) == 0.0


def test_tv_bounds_cross_over():
    # Pinsker is tighter for small KL, Bretagnolle–Huber for large KL.
    assert pinsker_tv_bound(0.01) < bretagnolle_huber_tv_bound(0.01)
    assert bretagnolle_huber_tv_bound(3.0) < pinsker_tv_bound(3.0)


@settings(deadline=None, max_examples=40)
@given(problems())
def test_kl_gap_bounds_all_directions(case):
    problem, beta, lam, scale = case
    solution = solve_gap(problem, beta, lam)

    for direction in ("forward", "reverse", "min"):
        for bound_function in (pinsker_gap_bound, bretagnolle_huber_gap_bound):
            bound = bound_function(problem, beta, lam, direction=direction, solution=solution)
            assert np.all(bound.tv_bound <= 1.0)
            assert bound.value >= solution.gap - SCALE_RTOL * scale, (direction, bound_function.__name__)


def test_kl_gap_bound_support_mismatch_gives_cap():
    # π_ref puts mass on response 1, which the target never produces: KL(π*‖ρ*π_F) = inf both ways.
    problem = TabularProblem([1.0], [[0.0, 1.0]], [[1.0, 0.0]], [[1.0]], reference_policy=[[0.5, 0.5]])
    bound = pinsker_gap_bound(problem, 1.0, 1.0, direction="forward")

    assert np.isinf(bound.kl[0])
    assert bound.tv_bound[0] == 1.0
    assert bound.value == 1.0


def test_kl_gap_bound_rejects_direction():
    problem = random_problem(np.random.default_rng(12), 2, 2, 2)

    with pytest.raises(ValueError, match="direction.*'sideways'"):
        pinsker_gap_bound(problem, 1.0, 1.0, direction="sideways")
