"""Instance families: validation, determinism and the bound term each family is built to drive."""

import numpy as np
import pytest
from scipy.special import logit

from bounds import (
    compute_bounds,
    fine_tuned_policy,
    fine_tuned_policy_limit,
    optimal_prompter,
    single_prompt_coverage_tv,
    suboptimality_gap,
    total_variation,
)
from simulators.families import FAMILIES, build_instance, family_knobs


@pytest.mark.parametrize("family", list(FAMILIES))
def test_family_builds_batched_instances(family):
    m = k = 5
    problem = build_instance(family, 0, 3, m, k, batch=(4,))

    assert problem.batch_shape == (4,)
    assert problem.reward.shape == (4, 3, k)
    assert problem.reference_prompter.shape == (4, 3, m)


@pytest.mark.parametrize("family", list(FAMILIES))
def test_family_is_deterministic_per_seed(family):
    first = build_instance(family, 7, 3, 4, 4)
    second = build_instance(family, np.random.default_rng(7), 3, 4, 4)

    assert np.array_equal(first.reward, second.reward)
    assert np.array_equal(first.target_policy, second.target_policy)
    assert np.array_equal(first.reference_policy, second.reference_policy)


@pytest.mark.parametrize(
    ("family", "knobs", "match"),
    [
        ("dirichlet", {"concentration": 0.0}, "concentration"),
        ("coverage", {"coverage": 1.5}, "coverage"),
        ("prior", {"prior_mass": 1.0}, "prior_mass"),
        ("mismatch", {"distance": -0.1}, "distance"),
        ("adversarial", {"design_beta": 0.0}, "design_beta"),
        ("dirichlet", {"temperature": 1.0}, "unknown knob 'temperature'"),
        ("dirichlet", {"concentration": "high"}, "must be a number"),
    ],
)
def test_family_rejects_bad_knob(family, knobs, match):
    with pytest.raises(ValueError, match=match):
        build_instance(family, 0, 3, 4, 5, **knobs)


def test_family_rejects_unknown_name_and_sizes():
    with pytest.raises(ValueError, match="unknown family 'gaussian'"):
        family_knobs("gaussian")
    with pytest.raises(ValueError, match="m = 4 and k = 5 must be equal"):
        build_instance("identity", 0, 3, 4, 5)
    with pytest.raises(ValueError, match="k: expected a positive integer"):
        build_instance("dirichlet", 0, 3, 4, 0)


def test_identity_family_gap_vanishes_at_equal_temperatures():
    problem = build_instance("identity", 1, 4, 6, 6, batch=(200,))
    temperatures = np.random.default_rng(2).uniform(0.05, 5.0, size=200)

    gap = suboptimality_gap(problem, temperatures, temperatures)

    # ρ*_λ π_F and π*_β are the same Gibbs tilt computed twice; only rounding separates them.
    assert np.abs(gap).max() < 1e-12


@pytest.mark.parametrize("beta", [0.05, 0.5, 2.0])
@pytest.mark.parametrize("lam", [0.01, 0.3, 10.0])
def test_adversarial_family_attains_holder_bound(beta, lam):
    problem = build_instance("adversarial", 3, 4, 5, 6, batch=(300,), design_beta=2.0)

    report = compute_bounds(problem, beta, lam)
    ratio = report.bounds["holder_tv"] / report.gap

    assert report.gap.min() > 0
    assert ratio.max() <= 1.01
    # The construction gives equality; 1e-9 covers rounding in sums of a few dozen terms.
    assert np.abs(ratio - 1.0).max() < 1e-9


def test_adversarial_gap_matches_two_mass_formula():
    # Gap = Σ_x P(x) s(x) (a_β(x) − ā(x)) with a the mass on the rewarded set S (see the builder).
    problem = build_instance("adversarial", 5, 3, 4, 5, design_beta=1.0)
    beta, lam = 0.7, 0.4
    rewarded = problem.reward[0] > problem.reward[0].min()
    span = problem.reward.max(axis=1) - problem.reward.min(axis=1)

    fine_tuned_mass = fine_tuned_policy(problem, beta)[:, rewarded].sum(axis=1)
    prompt_mass = problem.induced_policy(optimal_prompter(problem, lam))[:, rewarded].sum(axis=1)
    reference_mass = problem.induced_reference[:, rewarded].sum(axis=1)
    closed_form_mass = 1.0 / (1.0 + np.exp(-(logit(reference_mass) + span / beta)))

    # Both are the same tilt written two ways; rounding only.
    assert np.allclose(fine_tuned_mass, closed_form_mass, rtol=0, atol=1e-12)
    assert np.isclose(suboptimality_gap(problem, beta, lam), problem.context_probs @ (span * (fine_tuned_mass - prompt_mass)), rtol=0, atol=1e-12)


def test_coverage_knob_drives_coverage_term():
    full = build_instance("coverage", 4, 3, 5, 6, batch=(50,), coverage=1.0)
    none = build_instance("coverage", 4, 3, 5, 6, batch=(50,), coverage=0.0)

    covered = single_prompt_coverage_tv(full, fine_tuned_policy_limit(full))
    uncovered = single_prompt_coverage_tv(none, fine_tuned_policy_limit(none))

    # With m ≥ n every context has a prompt whose target row is its greedy point mass.
    assert covered.max() < 1e-12
    assert uncovered.min() > 0.0


def test_prior_knob_sets_mass_on_best_prompt():
    problem = build_instance("prior", 5, 4, 6, 5, batch=(20,), prior_mass=0.13)
    best = problem.prompt_values.argmax(axis=-1)

    mass = np.take_along_axis(problem.reference_prompter, best[..., None], axis=-1)[..., 0]

    assert np.allclose(mass, 0.13, rtol=0, atol=1e-12)


def test_mismatch_distance_bounds_reference_shift():
    exact = build_instance("mismatch", 6, 3, 4, 5, distance=0.0)
    shifted = build_instance("mismatch", 6, 3, 4, 5, batch=(30,), distance=0.4)

    shift = total_variation(shifted.reference_policy, shifted.induced_reference)

    assert exact.reference_is_induced()
    assert not shifted.reference_is_induced()
    # π_ref − ρ₀π_F = d (other − ρ₀π_F), so TV = d · TV(other, ρ₀π_F) ≤ d.
    assert shift.max() <= 0.4 + 1e-12
