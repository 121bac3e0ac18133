"""Random tabular instances and hypothesis strategies shared by the tests of bounds/."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from bounds import TabularProblem


def random_problem(
    rng: np.random.Generator,
    n: int,
    m: int,
    k: int,
    *,
    batch: tuple[int, ...] = (),
    scale: float = 1.0,
    sparse: bool = False,
    induced: bool = True,
) -> TabularProblem:
    """Draw a problem with Dirichlet rows and normal rewards of standard deviation ``scale``.

    ``sparse`` zeroes about a third of ρ₀ (keeping one prompt per context) to exercise supports;
    ``induced=False`` draws π_ref independently instead of ρ₀π_F.
    """
    context_probs = rng.dirichlet(np.ones(n), size=batch)
    reward = scale * rng.normal(size=(*batch, n, k))
    target = rng.dirichlet(np.ones(k), size=(*batch, m))
    prompter = rng.dirichlet(np.ones(m), size=(*batch, n))

    if sparse and m > 1:
        keep = rng.random(prompter.shape) > 0.33
        keep[..., 0] = True
        prompter = np.where(keep, prompter, 0.0)
        prompter /= prompter.sum(axis=-1, keepdims=True)

    reference = None if induced else rng.dirichlet(np.ones(k), size=(*batch, n))
    return TabularProblem(context_probs, reward, target, prompter, reference)


@st.composite
def problems(draw, *, allow_reference: bool = True):
    """Draw (problem, beta, lam, scale): sizes 1–6, temperatures log-uniform in [1e-4, 1e4], scale up to 1e6."""
    n, m, k = (draw(st.integers(1, 6)) for _ in range(3))
    seed = draw(st.integers(0, 2**32 - 1))
    scale = 10.0 ** draw(st.floats(-2.0, 6.0))
    beta = 10.0 ** draw(st.floats(-4.0, 4.0))
    lam = 10.0 ** draw(st.floats(-4.0, 4.0))
    sparse = draw(st.booleans())
    induced = draw(st.booleans()) if allow_reference else True

    problem = random_problem(np.random.default_rng(seed), n, m, k, scale=scale, sparse=sparse, induced=induced)
    return problem, beta, lam, scale
