"""Every bound of compute_bounds stays above the exact gap on 1,800 random instances of all families."""

import numpy as np
import pytest

from bounds import compute_bounds
from simulators.experiments import bound_tolerance
from simulators.families import FAMILIES, build_instance

# Per family: 3 sizes × 100 instances, each with its own random (β, λ) pair.
SIZES = [(2, 3, 3), (4, 5, 5), (6, 4, 7)]


@pytest.mark.parametrize("family", list(FAMILIES))
def test_no_bound_below_gap(family):
    violations = 0
    checked = 0
    for index, (n, m, k) in enumerate(SIZES):
        if family == "identity":
            m = k
        rng = np.random.default_rng([index, len(family)])
        problem = build_instance(family, rng, n, m, k, batch=(100,))
        beta = np.exp(rng.uniform(np.log(0.02), np.log(20.0), size=100))
        lam = np.exp(rng.uniform(np.log(0.02), np.log(20.0), size=100))

        report = compute_bounds(problem, beta, lam)
        below = np.zeros(100, dtype=bool)
        for values in report.bounds.values():
            below |= values < report.gap - bound_tolerance(report.gap)
        violations += int(below.sum())
        checked += 100

    assert checked == 300
    assert violations == 0
