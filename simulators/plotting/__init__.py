"""Paper-style figures of a sweep directory (PDF and PNG each, Agg canvas, one shared style).

:func:`make_all_plots` writes into ``RESULTS_DIR/plots``:

- from the sweep results: ``gap_heatmap`` (mean Δ over β × λ per family) and ``tightness``
  (bound / gap per bound);
- from the representative instance regenerated from ``config.json`` (its ``[plots]`` table, or
  the first family, size and knob values of the grid with seed 0 and the median β):
  ``gap_vs_lambda``, ``frontiers``, ``best_of_n``, ``learning_curves`` (λ = β) and
  ``finite_sample_coverage`` (λ = β, δ from the config).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np

from simulators.config import parse_config
from simulators.families import build_instance
from simulators.plotting.instance_plots import (
    plot_best_of_n,
    plot_finite_sample_coverage,
    plot_frontiers,
    plot_gap_vs_lambda,
    plot_learning_curves,
)
from simulators.plotting.sweep_plots import plot_gap_heatmap, plot_tightness
from simulators.sweep import load_results

logger = logging.getLogger(__name__)


def make_all_plots(results_dir: str | Path) -> list[Path]:
    """Write every figure of a finished sweep directory and return the paths written."""
    results_dir = Path(results_dir)
    config_path = results_dir / "config.json"
    if not config_path.is_file():
        raise FileNotFoundError(f"{str(config_path)!r} not found; pass a directory written by `align-pro sweep`")
    config = parse_config(json.loads(config_path.read_text()))
    results = load_results(results_dir)
    out_dir = results_dir / "plots"

    paths = plot_gap_heatmap(results, out_dir) + plot_tightness(results, out_dir)

    spec = config.plot_instance
    problem = build_instance(spec.family, np.random.default_rng([spec.seed, 0]), spec.n, spec.m, spec.k, **spec.knobs)
    logger.info("representative instance: %s", spec)
    paths += plot_gap_vs_lambda(problem, spec.beta, out_dir)
    paths += plot_frontiers(problem, out_dir)
    paths += plot_best_of_n(problem, out_dir, spec.seed)
    paths += plot_learning_curves(problem, spec.beta, spec.beta, out_dir, spec.seed)
    paths += plot_finite_sample_coverage(problem, spec.beta, config.delta, out_dir, spec.seed)
    return paths
