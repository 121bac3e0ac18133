"""Monte Carlo experiments: intervals cover the exact values, learned gaps obey T1/T2, T7 coverage."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from bounds import hoeffding_radius
from simulators.experiments import family_estimates, finite_sample_coverage, learned_gap_check, rollout_estimates
from simulators.families import FAMILIES, build_instance


def test_rollout_intervals_cover_exact_values():
    # 20 seeds × 3 intervals at 95%: expect about 3 misses; 10 or more has probability < 1e-3.
    misses = 0
    for seed in range(20):
        problem = build_instance("dirichlet", seed, 3, 4, 5)
        table = rollout_estimates(problem, 0.5, 0.5, 4_000, np.random.default_rng(seed)).table
        misses += int((~table["covered"]).sum())

    assert misses < 10


def test_family_estimates_report_no_violations():
    for family in FAMILIES:
        table = family_estimates(family, 3, 5, 5, 0.4, 0.7, 100, 0)
        assert table["violations"].sum() == 0, family
        gap_row = table[table["quantity"] == "gap"].iloc[0]
        assert gap_row["low"] <= gap_row["mean"] <= gap_row["high"]


@settings(deadline=None, max_examples=40)
@given(seed=st.integers(0, 10_000), beta=st.floats(0.05, 5.0), lam=st.floats(0.05, 5.0), concentration=st.floats(0.1, 3.0))
def test_learned_gap_obeys_holder_and_pinsker(seed, beta, lam, concentration):
    problem = build_instance("dirichlet", seed, 3, 4, 5)
    rng = np.random.default_rng(seed)
    prompter = rng.dirichlet(np.full(4, concentration), size=3)

    check = learned_gap_check(problem, beta, lam, prompter)

    assert check.holds
    # Pinsker and Bretagnolle–Huber bound TV from above, so they cannot be below Hölder.
    assert check.pinsker >= check.holder - 1e-12
    assert check.bretagnolle_huber >= check.holder - 1e-12


def test_finite_sample_coverage_meets_guarantee():
    problem = build_instance("dirichlet", 3, 3, 4, 5)
    delta = 0.1

    table = finite_sample_coverage(problem, 0.5, [4, 64, 1024], delta, 200, np.random.default_rng(3))

    assert (table["coverage_high"] >= 1 - delta).all()
    # On the event max error ≤ ε_N the objective gap is ≤ 2ε_N for certain, so that fraction is at least the coverage.
    assert (table["within_two_epsilon"] >= table["coverage"]).all()
    expected = hoeffding_radius(np.array([4, 64, 1024]), 3, 4, delta, float(problem.reward.max() - problem.reward.min()))
    assert np.allclose(table["epsilon"], expected, rtol=0, atol=0)
