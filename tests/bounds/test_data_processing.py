"""Tests of bounds.data_processing (T4 per context)."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from bounds import TabularProblem, data_processing_pair, kl_divergence, optimal_prompter
from tabular_instances import problems


@settings(deadline=None, max_examples=60)
@given(problems(), st.integers(0, 2**32 - 1))
def test_dpi_random_prompter(case, seed):
    problem, _, lam, _ = case
    rng = np.random.default_rng(seed)
    prompter = rng.dirichlet(np.ones(problem.n_prompts), size=problem.n_contexts)
    pair = data_processing_pair(problem, prompter)

    # KL values are O(10) at most here; 1e-12 absorbs rounding of k ≤ 6 log terms.
    assert np.all(pair.induced_kl <= pair.prompter_kl + 1e-12)


@settings(deadline=None, max_examples=40)
@given(problems())
def test_dpi_optimal_prompter(case):
    problem, _, lam, _ = case
    pair = data_processing_pair(problem, optimal_prompter(problem, lam))

    # KL(ρ*‖ρ₀) ≤ max r̄ spread / λ can reach ~1e10 here; compare relative to its size.
    assert np.all(pair.induced_kl <= pair.prompter_kl * (1 + 1e-12) + 1e-12)
    assert np.all(np.isfinite(pair.prompter_kl))


def test_dpi_identity_target_is_equality():
    # π_F = identity: the channel is lossless, so both sides agree.
    rng = np.random.default_rng(1)
    prompter0 = rng.dirichlet(np.ones(4), size=3)
    problem = TabularProblem(np.ones(3) / 3, rng.normal(size=(3, 4)), np.eye(4), prompter0)
    prompter = rng.dirichlet(np.ones(4), size=3)
    pair = data_processing_pair(problem, prompter)

    assert np.allclose(pair.induced_kl, pair.prompter_kl, rtol=1e-12, atol=0)
    assert np.allclose(pair.prompter_kl, kl_divergence(prompter, prompter0), rtol=0, atol=0)


def test_dpi_constant_target_erases_kl():
    # Every prompt yields the same response law, so the induced KL is 0 whatever ρ does.
    problem = TabularProblem([1.0], [[0.0, 1.0]], [[0.3, 0.7], [0.3, 0.7]], [[0.5, 0.5]])
    pair = data_processing_pair(problem, [[0.99, 0.01]])

    assert pair.induced_kl[0] == 0.0
    assert pair.prompter_kl[0] > 0.5
