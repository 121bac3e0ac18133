"""Tests of bounds.report: every bound is at least the gap, on random and adversarial instances."""

import json

import numpy as np
import pytest
from hypothesis import given, settings

from bounds import BOUND_NAMES, compute_bounds, jeffreys_gap, suboptimality_gap
from tabular_instances import problems, random_problem

# Rewards are normal with standard deviation `scale`, so |r| < 10·scale here. Each expected reward
# sums at most 36 products of a probability and a reward, so rounding is ~1e-14 of the scale;
# 1e-8 of the scale leaves ample room for it and none for a real violation.
SCALE_RTOL = 1e-8


@settings(deadline=None, max_examples=60)
@given(problems())
def test_report_bounds_at_least_gap(case):
    problem, beta, lam, scale = case
    report = compute_bounds(problem, beta, lam)
    atol = SCALE_RTOL * scale

    for name in ("fine_tuned_reward", "prompt_optimized_reward", "gap", "gap_coverage", "gap_prior"):
        assert np.all(np.isfinite(getattr(report, name))), name
    for name, value in report.bounds.items():
        assert np.all(np.isfinite(value)), name
        assert np.all(value >= report.gap - atol), (name, value, report.gap)


@settings(deadline=None, max_examples=40)
@given(problems())
def test_report_gap_matches_jeffreys_oracle(case):
    problem, beta, lam, scale = case
    report = compute_bounds(problem, beta, lam)

    # Two independent closed forms of Δ; agreement within SCALE_RTOL of the reward scale.
    assert np.allclose(report.gap, jeffreys_gap(problem, beta, lam).gap, rtol=0, atol=SCALE_RTOL * scale)


def test_report_parts_sum_to_gap():
    problem = random_problem(np.random.default_rng(1), 4, 5, 6, batch=(7,))
    report = compute_bounds(problem, 0.3, 0.2)

    # Sum of two floats of size O(1); rounding only.
    assert np.allclose(report.gap_coverage + report.gap_prior, report.gap, rtol=0, atol=1e-12)
    assert np.all(report.gap_prior >= -1e-12)


def test_report_batched_equals_loop():
    rng = np.random.default_rng(2)
    problem = random_problem(rng, 3, 4, 5, batch=(3, 2), sparse=True)
    beta = 10.0 ** rng.uniform(-1, 1, size=(3, 2))
    report = compute_bounds(problem, beta, 0.7)

    for index in np.ndindex(3, 2):
        single = compute_bounds(problem.instance(index), beta[index], 0.7)
        # Same operations on a slice; batching may only change summation order.
        assert np.isclose(report.gap[index], single.gap, rtol=0, atol=1e-12)
        for name in single.bounds:
            assert np.isclose(report.bounds[name][index], single.bounds[name], rtol=0, atol=1e-12), name


def test_report_keys_and_shapes():
    problem = random_problem(np.random.default_rng(3), 2, 3, 4, batch=(5,))
    report = compute_bounds(problem, 1.0, 1.0)

    assert tuple(report.bounds) == tuple(name for name in BOUND_NAMES if name != "coverage_prior_lp")
    for value in report.bounds.values():
        assert value.shape == (5,)
        assert value.dtype == np.float64
    assert report.gap.shape == (5,)


def test_report_lp_bound_between_gap_and_relaxation():
    problem = random_problem(np.random.default_rng(4), 4, 6, 5, batch=(3,), sparse=True)
    report = compute_bounds(problem, 0.2, 0.4, lp=True)

    # The LP solver tolerance is about 1e-8 on a TV in [0, 1]; rewards are O(1).
    assert np.all(report.bounds["coverage_prior_lp"] <= report.bounds["coverage_prior"] + 1e-7)
    assert np.all(report.bounds["coverage_prior_lp"] >= report.gap - 1e-7)


def test_report_to_dict_single_is_json_floats():
    problem = random_problem(np.random.default_rng(5), 3, 3, 3)
    data = compute_bounds(problem, 0.5, 0.5).to_dict()

    assert isinstance(data["gap"], float)
    assert all(isinstance(value, float) for value in data["bounds"].values())
    assert json.loads(json.dumps(data)) == data


def test_report_gap_equals_core_gap():
    problem = random_problem(np.random.default_rng(6), 5, 4, 3, batch=(4,), induced=False)
    report = compute_bounds(problem, 0.05, 2.0)

    assert np.array_equal(report.gap, suboptimality_gap(problem, 0.05, 2.0))


def test_report_rejects_bad_temperature():
    problem = random_problem(np.random.default_rng(7), 2, 2, 2)

    with pytest.raises(ValueError, match="beta.*-1"):
        compute_bounds(problem, -1.0, 1.0)
    with pytest.raises(ValueError, match="lam.*0.0"):
        compute_bounds(problem, 1.0, 0.0)
