r"""Resumable parallel sweeps: chunks of cells evaluated with joblib, one part file per finished chunk.

Output directory layout:

- ``parts/part-<chunk id>.parquet`` (or ``.csv``): the rows of one chunk, written atomically
  (temporary file, then ``os.replace``) as soon as the chunk returns. The chunk id hashes the ids
  of its cells, so a rerun with the same configuration finds the same ids and skips finished
  chunks; a chunk killed mid-way has no part file and is recomputed.
- ``results.parquet`` (or ``.csv``): all parts concatenated, one row per cell × bound.
- ``summary.json``: counts, violations and tightness (see :func:`summarize`).
- ``config.json``: the parsed configuration, read back by the plots.

Parallelism uses ``joblib.Parallel`` inside ``joblib.parallel_config(backend=...)``; results come
back unordered as each chunk finishes, and the parent process writes the part files.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import joblib
import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from simulators.cells import evaluate_chunk
from simulators.config import SweepConfig, cell_id

logger = logging.getLogger(__name__)

# Cells whose gap is at most this are left out of the tightness ratios (the ratio is undefined).
TIGHTNESS_GAP_FLOOR = 1e-6


@dataclass(frozen=True)
class SweepRun:
    """Outcome of :func:`run_sweep`: results, summary, and the counts of computed and skipped chunks."""

    results: pd.DataFrame
    summary: dict[str, Any]
    chunks_computed: int
    chunks_skipped: int
    results_path: Path


def chunk_cells(cells: list[dict[str, Any]], chunk_size: int) -> list[tuple[str, list[dict[str, Any]]]]:
    """Split cells into consecutive chunks and return (chunk id, cells) pairs."""
    chunks = []
    for start in range(0, len(cells), chunk_size):
        members = cells[start : start + chunk_size]
        digest = hashlib.sha256("".join(cell_id(cell) for cell in members).encode()).hexdigest()[:16]
        chunks.append((digest, members))
    return chunks


def _write_table(frame: pd.DataFrame, path: Path) -> None:
    temporary = path.with_name(path.name + ".tmp")
    if path.suffix == ".parquet":
        frame.to_parquet(temporary, index=False)
    else:
        frame.to_csv(temporary, index=False)
    os.replace(temporary, path)


def _read_table(path: Path) -> pd.DataFrame:
    return pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)


@contextlib.contextmanager
def backend_context(backend: str, n_jobs: int):
    """Enter ``joblib.parallel_config`` for ``backend``, registering dask or ray first when requested.

    Raises ``ValueError`` naming the backend when its package is not installed.
    """
    with contextlib.ExitStack() as stack:
        if backend == "dask":
            try:
                from dask.distributed import Client
            except ImportError:
                raise ValueError("backend 'dask': dask.distributed is not installed; pip install 'dask[distributed]' or use --backend loky") from None
            # NOTE: untested here (dask is not installed); processes=False keeps the cluster in this process.
            stack.enter_context(Client(processes=False))
        elif backend == "ray":
            try:
                from ray.util.joblib import register_ray
            except ImportError:
                raise ValueError("backend 'ray': ray is not installed; pip install ray or use --backend loky") from None
            # NOTE: untested here (ray is not installed).
            register_ray()
        elif backend == "sequential":
            n_jobs = 1
        stack.enter_context(joblib.parallel_config(backend=backend, n_jobs=n_jobs))
        yield


def summarize(results: pd.DataFrame, config: SweepConfig) -> dict[str, Any]:
    """Return the summary: cell count, violations, per-bound tightness and the plug-in checks.

    ``bound_violations`` counts cells where at least one bound is below the exact gap by more than
    ``bound_tolerance`` = 1e-9 · (1 + |Δ|). Tightness statistics use the ratio bound / gap over the
    cells with gap > 1e-6.
    """
    cells = results.drop_duplicates("cell_id")
    per_bound = {}
    for name, rows in results.groupby("bound", sort=False):
        ratios = rows.loc[rows["gap"] > TIGHTNESS_GAP_FLOOR, "ratio"].to_numpy()
        per_bound[name] = {
            "violations": int(rows["violated"].sum()),
            "ratio_min": float(np.min(ratios)) if ratios.size else None,
            "ratio_median": float(np.median(ratios)) if ratios.size else None,
            "ratio_mean": float(np.mean(ratios)) if ratios.size else None,
            "ratio_p95": float(np.quantile(ratios, 0.95)) if ratios.size else None,
            "ratio_max": float(np.max(ratios)) if ratios.size else None,
            "mean_slack": float(rows["slack"].mean()),
        }

    return {
        "cells": int(len(cells)),
        "rows": int(len(results)),
        "bound_violations": int(results.groupby("cell_id")["violated"].any().sum()),
        "bound_tolerance": "1e-9 * (1 + |gap|)",
        "tightness_gap_floor": TIGHTNESS_GAP_FLOOR,
        "bounds": per_bound,
        "families": {family: int(count) for family, count in cells["family"].value_counts().items()},
        "plugin": {
            "delta": config.delta,
            "within_epsilon_fraction": float(cells["plugin_within_epsilon"].mean()),
            "within_two_epsilon_fraction": float(cells["plugin_within_two_epsilon"].mean()),
            "learned_bound_violations": int((~cells["plugin_bound_holds"].astype(bool)).sum()),
        },
    }


def run_sweep(
    config: SweepConfig,
    out_dir: str | Path,
    *,
    n_jobs: int = 1,
    backend: str | None = None,
    progress: bool = True,
    on_chunk_written: Callable[[str], None] | None = None,
) -> SweepRun:
    """Evaluate every cell not yet on disk, then write results and summary (see the module docstring).

    ``on_chunk_written(chunk_id)`` is called after each part file is written; an exception raised
    there stops the sweep, with the parts written so far kept for the next run.
    """
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs == 0 or n_jobs < -1:
        raise ValueError(f"jobs: got {n_jobs!r}; give a positive number of worker processes (or -1 for all cores)")
    backend = backend or config.backend
    out_dir = Path(out_dir)
    parts_dir = out_dir / "parts"
    parts_dir.mkdir(parents=True, exist_ok=True)
    suffix = ".parquet" if config.format == "parquet" else ".csv"
    (out_dir / "config.json").write_text(json.dumps(config.source, indent=2, sort_keys=True))

    chunks = chunk_cells(config.cells, config.chunk_size)
    pending = [(chunk_id, cells) for chunk_id, cells in chunks if not (parts_dir / f"part-{chunk_id}{suffix}").exists()]
    skipped = len(chunks) - len(pending)
    logger.info("sweep: %d cells in %d chunks, %d already on disk", len(config.cells), len(chunks), skipped)

    started = time.perf_counter()
    computed = 0
    with backend_context(backend, n_jobs):
        tasks = (joblib.delayed(_evaluate_identified)(chunk_id, cells, config.delta, config.lp) for chunk_id, cells in pending)
        outputs = joblib.Parallel(return_as="generator_unordered")(tasks)
        for chunk_id, rows in tqdm(outputs, total=len(pending), desc="sweep chunks", disable=not progress):
            _write_table(pd.DataFrame(rows), parts_dir / f"part-{chunk_id}{suffix}")
            computed += 1
            if on_chunk_written is not None:
                on_chunk_written(chunk_id)

    frames = [_read_table(parts_dir / f"part-{chunk_id}{suffix}") for chunk_id, _ in chunks]
    results = pd.concat(frames, ignore_index=True)
    results_path = out_dir / f"results{suffix}"
    _write_table(results, results_path)

    summary = summarize(results, config)
    summary.update({"chunks": len(chunks), "chunks_computed": computed, "chunks_skipped": skipped, "backend": backend, "jobs": n_jobs,
                    "wall_seconds_this_run": time.perf_counter() - started})
    (out_dir / "summary.json").write_text(json.dumps(summary, indent=2))
    return SweepRun(results, summary, computed, skipped, results_path)


def _evaluate_identified(chunk_id: str, cells: list[dict[str, Any]], delta: float, lp: bool) -> tuple[str, list[dict[str, Any]]]:
    return chunk_id, evaluate_chunk(cells, delta, lp)


def load_results(out_dir: str | Path) -> pd.DataFrame:
    """Read ``results.parquet`` or ``results.csv`` of a finished sweep directory."""
    out_dir = Path(out_dir)
    for name in ("results.parquet", "results.csv"):
        if (out_dir / name).is_file():
            return _read_table(out_dir / name)
    raise FileNotFoundError(f"no results.parquet or results.csv in {str(out_dir)!r}; run `align-pro sweep CONFIG --out {out_dir}` first")
