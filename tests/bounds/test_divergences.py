"""Tests of bounds.divergences."""

import numpy as np
import pytest
from scipy import stats

from bounds import expectation_over_contexts, jeffreys_divergence, kl_divergence, total_variation


def test_kl_matches_scipy_entropy():
    rng = np.random.default_rng(0)
    p, q = rng.dirichlet(np.ones(7), size=2)

    # scipy.stats.entropy(p, q) is KL(p‖q) in nats, an independent implementation.
    assert kl_divergence(p, q) == pytest.approx(stats.entropy(p, q), rel=1e-12)


def test_kl_support_conventions():
    assert kl_divergence([0.0, 1.0], [0.5, 0.5]) == pytest.approx(np.log(2.0), rel=1e-15)
    assert kl_divergence([0.5, 0.5], [0.0, 1.0]) == np.inf
    assert kl_divergence([0.3, 0.7], [0.3, 0.7]) == 0.0


def test_tv_and_jeffreys():
    p = np.array([0.2, 0.8])
    q = np.array([0.6, 0.4])

    assert total_variation(p, q) == pytest.approx(0.4, abs=1e-15)
    assert jeffreys_divergence(p, q) == pytest.approx(kl_divergence(p, q) + kl_divergence(q, p), abs=1e-15)
    assert jeffreys_divergence(p, q) == pytest.approx(jeffreys_divergence(q, p), abs=1e-15)


def test_divergences_batched():
    rng = np.random.default_rng(1)
    p = rng.dirichlet(np.ones(4), size=(2, 3))
    q = rng.dirichlet(np.ones(4), size=(2, 3))

    assert kl_divergence(p, q).shape == (2, 3)
    assert np.allclose(kl_divergence(p, q)[1, 2], kl_divergence(p[1, 2], q[1, 2]), rtol=0, atol=1e-15)


def test_expectation_drops_zero_weight_infinities():
    assert expectation_over_contexts([1.0, 0.0], [2.0, np.inf]) == 2.0
    assert expectation_over_contexts([0.5, 0.5], [2.0, np.inf]) == np.inf
