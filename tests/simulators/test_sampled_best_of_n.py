"""Sampled best-of-n selections agree with the exact law of bounds.best_of_n."""

import numpy as np
import pytest
from scipy import stats

from bounds import TabularProblem
from simulators.families import build_instance
from simulators.learners.best_of_n import sample_best_of_n

# Significance level of the goodness-of-fit tests.
ALPHA = 1e-3


@pytest.mark.parametrize("source", ["responses", "prompts"])
@pytest.mark.parametrize("n_draws", [1, 4, 16])
def test_sampled_frequencies_match_exact_law(source, n_draws):
    problem = build_instance("dirichlet", 0, 3, 4, 5, concentration=2.0)
    n_trials = 20_000

    result = sample_best_of_n(problem, n_draws, n_trials, np.random.default_rng([0, n_draws]), source=source)
    exact = result.exact.per_context.probs

    for context in range(problem.n_contexts):
        support = exact[context] > 1e-12
        counts = result.frequencies[context, support] * n_trials
        assert stats.chisquare(counts, n_trials * exact[context, support] / exact[context, support].sum()).pvalue > ALPHA
    # 1.5 times the 95% half-width is a 2.9-sigma band for the sampled mean reward.
    assert abs(result.reward - float(result.exact.reward)) <= result.reward_half_width * 1.5


def test_sampled_win_rate_matches_exact():
    problem = build_instance("dirichlet", 1, 2, 3, 6)
    n_trials = 40_000

    result = sample_best_of_n(problem, 8, n_trials, np.random.default_rng(1))

    # Each context's win indicator has variance ≤ 1/4, so the weighted mean has sd ≤ 0.5/√n_trials = 0.0025.
    assert abs(result.win_rate - float(result.exact.win_rate)) < 4 * 0.0025
    assert result.win_rate <= 8 / 9 + 4 * 0.0025


def test_ties_are_split_in_proportion():
    # Two responses share the top reward; the exact law splits their mass in proportion to π.
    problem = TabularProblem([1.0], [[1.0, 1.0, 0.0]], [[0.2, 0.5, 0.3]], [[1.0]])
    n_trials = 50_000

    result = sample_best_of_n(problem, 3, n_trials, np.random.default_rng(2))
    exact = result.exact.per_context.probs[0]

    assert np.isclose(exact[0] / exact[1], 0.2 / 0.5)
    assert stats.chisquare(result.frequencies[0] * n_trials, n_trials * exact).pvalue > ALPHA


def test_best_of_n_rejects_bad_source():
    problem = build_instance("dirichlet", 0, 2, 2, 2)

    with pytest.raises(ValueError, match="source"):
        sample_best_of_n(problem, 2, 10, np.random.default_rng(0), source="contexts")
    with pytest.raises(ValueError, match="n_trials"):
        sample_best_of_n(problem, 2, 0, np.random.default_rng(0))
