"""Stage (b) of ``align-pro reproduce``: a simulation sweep and its figures.

The sweep runs through :func:`simulators.sweep.run_sweep` into ``sweep/``. That engine writes one
part file per finished chunk and skips chunks already on disk, so an interrupted stage resumes
where it stopped. The figures come from :func:`simulators.plotting.make_all_plots` and go to
``sweep/plots/``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from alignpro.pipeline.presets import SweepSizes

logger = logging.getLogger(__name__)


def sweep_settings(sizes: SweepSizes) -> dict[str, Any]:
    """Return the configuration mapping of the sweep, read from the TOML file when the preset names one."""
    if sizes.config is not None:
        return sizes.config

    import sys

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10 only
        import tomli as tomllib

    path = Path(sizes.config_path or "")
    if not path.is_file():
        raise FileNotFoundError(f"--sweep-config: sweep configuration {str(path)!r} not found; pass a TOML file such as configs/quick.toml")
    return tomllib.loads(path.read_text(encoding="utf-8"))


def run_simulation_stage(settings: dict[str, Any], out_dir: Path, *, jobs: int, backend: str | None = None) -> tuple[dict[str, Any], list[Path]]:
    """Run (or resume) the sweep and draw its figures; return the sweep summary and the figure paths."""
    from simulators.config import parse_config
    from simulators.plotting import make_all_plots
    from simulators.sweep import run_sweep

    config = parse_config(settings)
    sweep_dir = out_dir / "sweep"
    logger.info("simulation: %d cells into %s with %d job(s)", len(config.cells), sweep_dir, jobs)
    run = run_sweep(config, sweep_dir, n_jobs=jobs, backend=backend, progress=False)
    logger.info("simulation: %d chunks computed, %d found on disk", run.chunks_computed, run.chunks_skipped)

    figures = make_all_plots(sweep_dir)
    return run.summary, figures
