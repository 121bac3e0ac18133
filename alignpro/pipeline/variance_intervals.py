"""Bootstrap intervals of each arm's reward variance, which the evaluation summary does not include.

:func:`llm_eval.summary.compute_summary` reports the pooled reward variance of each arm, E[r²] − (E r)²
over prompts weighted equally (:func:`llm_eval.metrics.pooled_variance`), without an interval. This
module rebuilds the arms from ``samples.jsonl`` and resamples prompts, the same percentile bootstrap
over prompts that the summary uses for the reward means (level and resample count from
:mod:`llm_eval.metrics`).

NOTE: it calls two private helpers of llm_eval (``runner._collect`` and ``summary._arms``) so that
the arms match the summary exactly. A change to either helper needs a matching change here.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from pathlib import Path
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)

VARIANCE_FILE = "variance_intervals.json"


def reward_variance_intervals(eval_dir: Path, summary: dict[str, Any]) -> dict[str, list[float] | None]:
    """Return arm name → [low, high] of the pooled reward variance (None with fewer than two prompts)."""
    from scipy.stats import bootstrap

    from llm_eval.metrics import CONFIDENCE_LEVEL, NUM_RESAMPLES, WeightedRewards, pooled_variance
    from llm_eval.runner import SAMPLES_FILE, EvalSettings, _collect
    from llm_eval.sample_store import SampleStore
    from llm_eval.summary import _arms

    stored = summary["settings"]
    settings = EvalSettings(**{field.name: stored[field.name] for field in dataclasses.fields(EvalSettings)})
    with SampleStore(eval_dir / SAMPLES_FILE) as store:
        samples = _collect(store, stored["prompt_ids"], settings)
    arms = _arms(samples, settings.beta, settings.lam, settings.best_of_n)

    prompts = np.arange(len(samples.prompt_ids))
    seeds = np.random.SeedSequence([settings.seed, 1]).generate_state(len(arms))
    intervals: dict[str, list[float] | None] = {}
    for (name, (arm, _, _)), seed in zip(arms.items(), seeds):
        if prompts.size < 2:
            intervals[name] = None
            continue

        def variance_of(indices: np.ndarray, arm=arm) -> float:
            chosen = indices.astype(int)
            return pooled_variance(WeightedRewards(arm.rewards[chosen], arm.weights[chosen]))

        result = bootstrap(
            (prompts,),
            variance_of,
            vectorized=False,
            confidence_level=CONFIDENCE_LEVEL,
            n_resamples=NUM_RESAMPLES,
            method="percentile",
            rng=np.random.default_rng(seed),
        )
        intervals[name] = [float(result.confidence_interval.low), float(result.confidence_interval.high)]
    return intervals


def write_variance_intervals(eval_dir: Path, summary: dict[str, Any]) -> Path:
    """Compute the intervals and write them to ``eval/variance_intervals.json``."""
    path = eval_dir / VARIANCE_FILE
    path.write_text(json.dumps(reward_variance_intervals(eval_dir, summary), indent=2), encoding="utf-8")
    logger.info("wrote %s", path)
    return path
