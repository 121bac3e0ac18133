r"""Best-of-n over responses or over prompts: Monte Carlo draws against the exact distribution.

Per context x, draw n outcomes i.i.d. from a source distribution q(·|x) and keep the one with the
highest value v(x, ·). Ties between draws of equal value are broken uniformly at random among those
draws, which matches the tie rule of :func:`bounds.best_of_n_distribution`.

- over responses: q = π_ref (or another policy), v = r;
- over prompts: q = ρ₀, v = r̄, and the selected prompt's response comes from π_F.

The exact law π_n(y_i) = F(y_i)^n − F(y_{i−1})^n comes from :mod:`bounds.best_of_n`; this module
only samples and compares.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from bounds import BestOfNResult, TabularProblem, best_of_n_prompts, best_of_n_responses, total_variation
from simulators.sampling import sample_categorical

SOURCES = ("responses", "prompts")


@dataclass(frozen=True)
class BestOfNSampled:
    """Sampled best-of-n next to its exact counterpart.

    Attributes:
        source: ``"responses"`` or ``"prompts"``.
        n_draws: n.
        exact: the exact result of :mod:`bounds.best_of_n`.
        frequencies: empirical frequency of each selected outcome per context, ``(n, k)`` or ``(n, m)``.
        max_tv_to_exact: max over contexts of TV(frequencies, exact per-context law).
        reward: Monte Carlo estimate of E_x E[v(x, selected)] (context weights applied exactly).
        reward_half_width: half-width of its 95% normal interval (CLT, per-context sample variance).
        win_rate: Monte Carlo estimate of the win rate against an independent draw from q (ties ½).
        history: columns ``trials`` and ``max_tv_to_exact`` at doubling numbers of trials.
    """

    source: str
    n_draws: int
    exact: BestOfNResult
    frequencies: np.ndarray
    max_tv_to_exact: float
    reward: float
    reward_half_width: float
    win_rate: float
    history: pd.DataFrame


def _select_best(draws: np.ndarray, values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Return the selected outcome of each row of ``draws`` (``(..., n_draws)``) with random tie-breaks."""
    draw_values = np.take_along_axis(values, draws.reshape(values.shape[0], -1), axis=-1).reshape(draws.shape)
    is_best = draw_values == draw_values.max(axis=-1, keepdims=True)
    tie_break = np.where(is_best, rng.random(draws.shape), -1.0)
    chosen = tie_break.argmax(axis=-1)
    return np.take_along_axis(draws, chosen[..., None], axis=-1)[..., 0]


def sample_best_of_n(
    problem: TabularProblem, n_draws: int, n_trials: int, rng: np.random.Generator, *, source: str = "responses"
) -> BestOfNSampled:
    """Run ``n_trials`` best-of-``n_draws`` selections in every context and compare with the exact law."""
    if source not in SOURCES:
        raise ValueError(f"source: got {source!r}; use one of {', '.join(SOURCES)}")
    if problem.batch_shape:
        raise ValueError(f"problem: expected one instance, got batch shape {problem.batch_shape}; use problem.instance(i)")
    if isinstance(n_trials, bool) or int(n_trials) != n_trials or n_trials < 1:
        raise ValueError(f"n_trials: got {n_trials!r}; pass a positive integer")

    if source == "responses":
        exact = best_of_n_responses(problem, n_draws)
        probs, values = problem.reference_policy, problem.reward
    else:
        exact = best_of_n_prompts(problem, n_draws)
        probs, values = problem.reference_prompter, problem.prompt_values

    n_contexts, n_outcomes = probs.shape
    draws = sample_categorical(np.broadcast_to(probs[:, None, None, :], (n_contexts, n_trials, n_draws, n_outcomes)), rng)
    selected = _select_best(draws, values, rng)
    rivals = sample_categorical(np.broadcast_to(probs[:, None, :], (n_contexts, n_trials, n_outcomes)), rng)

    counts = np.zeros((n_contexts, n_outcomes))
    np.add.at(counts, (np.repeat(np.arange(n_contexts), n_trials), selected.ravel()), 1.0)
    frequencies = counts / n_trials

    rows = []
    trials = 1
    while True:
        partial = np.zeros_like(counts)
        np.add.at(partial, (np.repeat(np.arange(n_contexts), trials), selected[:, :trials].ravel()), 1.0)
        rows.append({"trials": trials, "max_tv_to_exact": float(total_variation(partial / trials, exact.per_context.probs).max())})
        if trials == n_trials:
            break
        trials = min(2 * trials, n_trials)

    selected_values = np.take_along_axis(values, selected, axis=-1)
    rival_values = np.take_along_axis(values, rivals, axis=-1)
    wins = (selected_values > rival_values) + 0.5 * (selected_values == rival_values)

    weights = problem.context_probs
    reward = float(weights @ selected_values.mean(axis=-1))
    standard_error = float(np.sqrt(weights**2 @ (selected_values.var(axis=-1, ddof=1) / n_trials))) if n_trials > 1 else np.inf

    return BestOfNSampled(
        source=source,
        n_draws=int(n_draws),
        exact=exact,
        frequencies=frequencies,
        max_tv_to_exact=rows[-1]["max_tv_to_exact"],
        reward=reward,
        reward_half_width=float(stats.norm.ppf(0.975) * standard_error),
        win_rate=float(weights @ wins.mean(axis=-1)),
        history=pd.DataFrame(rows),
    )
